import type { Handler, RequestContext, ServerParts } from '../context';
import { parseFaultPatch } from '../faults';
import { HttpError, optionalString, parseJson, parseJsonObject, readBody, sendJson } from '../http';
import type { Router } from '../router';

/** Path prefix of the control API; the server refuses it to anyone but this machine. */
export const CONTROL_PREFIX = '/__control';

/** Test and demo controls: faults, counters, sessions, OAuth grants. Guarded in dispatch (loopback, origin, JSON). */
export function registerControlRoutes(router: Router<Handler>): void {
  router.add('GET', `${CONTROL_PREFIX}/faults`, ({ res, parts }) => sendJson(res, 200, parts.faults.get()));
  router.add('POST', `${CONTROL_PREFIX}/faults`, async ({ req, res, parts }) => {
    const patch = parseFaultPatch(parseJson(await readBody(req)) ?? {});
    sendJson(res, 200, parts.faults.update(patch));
  });
  router.add('POST', `${CONTROL_PREFIX}/reset`, async ({ req, res, parts }) => {
    await readBody(req);
    parts.stats.reset();
    sendJson(res, 200, { faults: parts.faults.reset(), stats: parts.stats.snapshot() });
  });
  router.add('GET', `${CONTROL_PREFIX}/stats`, ({ res, parts }) => sendJson(res, 200, parts.stats.snapshot()));
  router.add('POST', `${CONTROL_PREFIX}/stats/reset`, async ({ req, res, parts }) => {
    await readBody(req);
    parts.stats.reset();
    sendJson(res, 200, parts.stats.snapshot());
  });
  router.add('GET', `${CONTROL_PREFIX}/sessions`, ({ res, parts }) => sendJson(res, 200, { sessions: listSessions(parts) }));
  router.add('POST', `${CONTROL_PREFIX}/sessions/:sid/revoke`, revokeSession);
  router.add('POST', `${CONTROL_PREFIX}/oauth/grant`, grant);
}

export interface SessionView {
  id: string;
  kind: 'session' | 'oauth';
  user_id: string;
  status: 'active' | 'ended' | 'revoked';
  /** ms since the epoch (server clock, without the offset fault). */
  created_at: number;
  organization_id?: string | null;
  ended_at?: number | null;
  client_id?: string;
  rotations?: number;
  revoked_reason?: 'reuse' | 'control' | null;
}

export function listSessions(parts: ServerParts): SessionView[] {
  const sessions: SessionView[] = parts.sessions.list().map((session) => ({
    id: session.id,
    kind: 'session',
    user_id: session.userId,
    status: session.status,
    created_at: session.createdAt,
    organization_id: session.organizationId,
    ended_at: session.endedAt,
  }));
  const families: SessionView[] = parts.families.list().map((family) => ({
    id: family.id,
    kind: 'oauth',
    user_id: family.userId,
    status: family.status,
    created_at: family.createdAt,
    client_id: family.clientId,
    rotations: family.rotations,
    revoked_reason: family.revokedReason,
  }));
  return [...sessions, ...families];
}

/** Revokes a cookie session or an OAuth refresh-token family: both are "sessions" to a client. */
export function revoke(parts: ServerParts, id: string): SessionView {
  const found = parts.sessions.finish(id, 'revoked') || parts.families.revoke(id);
  const view = found && listSessions(parts).find((session) => session.id === id);
  if (!view) throw new HttpError(404, 'session_not_found', 'No session or refresh-token family with that id');
  return view;
}

async function revokeSession({ req, res, params, parts }: RequestContext): Promise<void> {
  await readBody(req);
  sendJson(res, 200, revoke(parts, params['sid'] as string));
}

async function grant({ req, res, parts }: RequestContext): Promise<void> {
  const body = parseJsonObject(await readBody(req));
  const { refreshToken, family } = parts.families.grant({
    userId: optionalString(body, 'user_id') ?? 'user_dev',
    clientId: optionalString(body, 'client_id') ?? 'tokenwarden-dev',
    scope: optionalString(body, 'scope'),
  });
  sendJson(res, 200, { refresh_token: refreshToken, family_id: family.id, user_id: family.userId, client_id: family.clientId });
}
