import type { ServerParts } from './context';
import { parseFaultPatch, type Faults } from './faults';
import { CLIENT_COOKIE } from './routes/client';
import { listSessions, revoke, type SessionView } from './routes/control';
import type { StatsSnapshot } from './stats';

/** The control API without HTTP, for tests in the same process. Same semantics as `/__control/*`. */
export interface DevServerControl {
  /** Reads, or merges a partial update (validated like the HTTP body; throws on a bad field). */
  faults(patch?: Partial<Faults>): Faults;
  /** Faults back to defaults, counters to zero; held (`hang`) requests are released. */
  reset(): void;
  stats(): StatsSnapshot;
  resetStats(): void;
  sessions(): SessionView[];
  revoke(sessionId: string): SessionView;
  /** A cookie session; `cookie` is ready for a `Cookie` request header. */
  signIn(input?: { userId?: string; organizationId?: string | null }): { sessionId: string; userId: string; cookie: string };
  /** A fresh refresh token (a new family), as `POST /__control/oauth/grant`. */
  grant(input?: { userId?: string; clientId?: string; scope?: string }): { refreshToken: string; familyId: string };
}

export function createInProcessControl(parts: ServerParts): DevServerControl {
  return {
    faults: (patch) => (patch ? parts.faults.update(parseFaultPatch(patch)) : parts.faults.get()),
    reset: () => {
      parts.faults.reset();
      parts.stats.reset();
    },
    stats: () => parts.stats.snapshot(),
    resetStats: () => parts.stats.reset(),
    sessions: () => listSessions(parts),
    revoke: (sessionId) => revoke(parts, sessionId),
    signIn: (input = {}) => {
      const { session, clientSecret } = parts.sessions.signIn({ userId: input.userId ?? 'user_dev', organizationId: input.organizationId ?? null });
      return { sessionId: session.id, userId: session.userId, cookie: `${CLIENT_COOKIE}=${clientSecret}` };
    },
    grant: (input = {}) => {
      const { refreshToken, family } = parts.families.grant({
        userId: input.userId ?? 'user_dev',
        clientId: input.clientId ?? 'tokenwarden-dev',
        scope: input.scope,
      });
      return { refreshToken, familyId: family.id };
    },
  };
}
