import { HttpError } from './http';
import { randomId } from './ids';

export type SessionStatus = 'active' | 'ended' | 'revoked';

export interface Session {
  readonly id: string;
  readonly userId: string;
  /** The organization active at sign-in; token requests may pick another one or `null`. */
  readonly organizationId: string | null;
  /** The browser (cookie) the session belongs to. Internal: never sent to clients. */
  readonly clientId: string;
  readonly createdAt: number;
  status: SessionStatus;
  endedAt: number | null;
}

export interface SignInResult {
  session: Session;
  /** Cookie value identifying the browser; reused when the browser was already known. */
  clientSecret: string;
}

/**
 * Clerk-style sessions: a browser (one cookie, the "client") can hold several sessions, and a
 * session token is only minted for a session of the browser that asks. Ending or revoking a
 * session leaves the browser's other sessions alone.
 */
export class SessionStore {
  /** cookie secret -> client id. The secret never appears anywhere but the cookie. */
  readonly #clients = new Map<string, string>();
  readonly #sessions = new Map<string, Session>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  signIn(input: { userId: string; organizationId: string | null; clientSecret?: string | undefined }): SignInResult {
    let clientSecret = input.clientSecret;
    let clientId = clientSecret === undefined ? undefined : this.#clients.get(clientSecret);
    if (clientSecret === undefined || clientId === undefined) {
      clientSecret = randomId('', 32);
      clientId = randomId('client_');
      this.#clients.set(clientSecret, clientId);
    }
    const session: Session = {
      id: randomId('sess_'),
      userId: input.userId,
      organizationId: input.organizationId,
      clientId,
      createdAt: this.#now(),
      status: 'active',
      endedAt: null,
    };
    this.#sessions.set(session.id, session);
    return { session, clientSecret };
  }

  /**
   * The active session `sessionId` of the browser holding `clientSecret`, or a 401. A session of
   * another browser answers exactly like an unknown one, so ids cannot be probed.
   */
  authenticate(sessionId: string, clientSecret: string | undefined): Session {
    if (clientSecret === undefined) throw new HttpError(401, 'unauthenticated', 'No session cookie');
    const clientId = this.#clients.get(clientSecret);
    if (clientId === undefined) throw new HttpError(401, 'unauthenticated', 'Unknown session cookie');
    const session = this.#sessions.get(sessionId);
    if (!session || session.clientId !== clientId) throw new HttpError(401, 'session_not_found', 'No such session for this client');
    if (session.status !== 'active') throw new HttpError(401, `session_${session.status}`, `Session is ${session.status}`);
    return session;
  }

  get(sessionId: string): Session | undefined {
    return this.#sessions.get(sessionId);
  }

  /** Moves an active session to `ended` (sign-out) or `revoked` (by an operator). False if unknown. */
  finish(sessionId: string, status: 'ended' | 'revoked'): boolean {
    const session = this.#sessions.get(sessionId);
    if (!session) return false;
    if (session.status === 'active') {
      session.status = status;
      session.endedAt = this.#now();
    }
    return true;
  }

  list(): Session[] {
    return [...this.#sessions.values()];
  }
}
