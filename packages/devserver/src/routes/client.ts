import type { Handler, RequestContext } from '../context';
import { HttpError, optionalNullableString, optionalString, parseJsonObject, readBody, readCookies, sendJson, stampDate } from '../http';
import { DEFAULT_TEMPLATE } from '../templates';
import type { Router } from '../router';

/** Name of the cookie that identifies the browser (Clerk calls this the "client"). */
export const CLIENT_COOKIE = '__client';

/** Clerk-style Frontend API: sign in, mint session tokens per template, sign out. */
export function registerClientRoutes(router: Router<Handler>): void {
  router.add('POST', '/v1/client/sign_in', signIn);
  router.add('POST', '/v1/client/sessions/:sid/tokens', sessionToken);
  router.add('POST', '/v1/client/sessions/:sid/tokens/:template', sessionToken);
  router.add('POST', '/v1/client/sessions/:sid/end', endSession);
}

async function signIn({ req, res, parts }: RequestContext): Promise<void> {
  parts.stats.record('sign-in');
  const body = parseJsonObject(await readBody(req));
  // Dev only: there is no password, any user id signs in.
  const userId = optionalString(body, 'user_id') ?? 'user_dev';
  const organizationId = optionalNullableString(body, 'organization_id') ?? null;
  const { session, clientSecret } = parts.sessions.signIn({
    userId,
    organizationId,
    clientSecret: readCookies(req).get(CLIENT_COOKIE),
  });
  res.setHeader('Set-Cookie', `${CLIENT_COOKIE}=${clientSecret}; Path=/; HttpOnly; SameSite=Lax`);
  sendJson(res, 200, { session_id: session.id, user_id: session.userId, organization_id: session.organizationId });
}

async function sessionToken({ req, res, params, parts }: RequestContext): Promise<void> {
  const sessionId = params['sid'] as string;
  const templateName = params['template'] ?? DEFAULT_TEMPLATE;
  parts.stats.record('session-token', { session: sessionId, template: templateName });
  const body = parseJsonObject(await readBody(req));
  if (!(await parts.faults.apply(req, res))) return;

  stampDate(res, parts.serverNow());
  // Authentication first: a signed-out browser learns nothing about templates.
  const session = parts.sessions.authenticate(sessionId, readCookies(req).get(CLIENT_COOKIE));
  const template = parts.templates.get(templateName);
  // 400, not 404: an unknown template is a configuration mistake, and 404 would read as "signed out".
  if (!template) throw new HttpError(400, 'unknown_template', `No token template named "${templateName}"`);
  const requestedOrg = optionalNullableString(body, 'organization_id');
  const audience = optionalString(body, 'audience');

  const minted = await parts.minter.mint({
    sub: session.userId,
    sid: session.id,
    ttl: template.ttl,
    now: parts.serverNow(),
    azp: req.headers.origin,
    // undefined: the session's active organization; null: explicitly the personal workspace.
    orgId: requestedOrg === undefined ? session.organizationId : requestedOrg,
    audience,
    claims: template.claims,
  });
  stampDate(res, parts.serverNow());
  sendJson(res, 200, { object: 'token', jwt: minted.jwt });
}

async function endSession({ req, res, params, parts }: RequestContext): Promise<void> {
  const sessionId = params['sid'] as string;
  parts.stats.record('session-end', { session: sessionId });
  await readBody(req);
  const session = parts.sessions.authenticate(sessionId, readCookies(req).get(CLIENT_COOKIE));
  parts.sessions.finish(session.id, 'ended');
  sendJson(res, 200, { session_id: session.id, status: 'ended' });
}
