import type { IncomingMessage } from 'node:http';
import type { Handler, RequestContext } from '../context';
import { parseJson, readBody, sendJson, stampDate } from '../http';
import { oauthError } from '../oauth';
import type { Router } from '../router';

/** RFC 6749 token endpoint, refresh_token grant only (section 6). */
export function registerOAuthRoutes(router: Router<Handler>): void {
  router.add('POST', '/oauth/token', tokenEndpoint);
}

async function tokenEndpoint({ req, res, parts }: RequestContext): Promise<void> {
  parts.stats.record('oauth-token');
  const params = parseTokenRequest(req, await readBody(req));
  const presented = params.get('refresh_token');
  const family = presented === undefined ? undefined : parts.families.familyOf(presented);
  if (family) parts.stats.attribute(family.id);
  if (!(await parts.faults.apply(req, res))) return;
  stampDate(res, parts.serverNow());

  const grantType = params.get('grant_type');
  if (grantType === undefined) throw oauthError('invalid_request', 'Missing grant_type');
  if (grantType !== 'refresh_token') throw oauthError('unsupported_grant_type', `Grant type "${grantType}" is not supported`);
  if (presented === undefined) throw oauthError('invalid_request', 'Missing refresh_token');
  const clientId = clientIdOf(req, params);

  let scope: string | undefined;
  const rotated = parts.families.rotate(presented, clientId, (current) => {
    scope = grantedScope(params.get('scope'), current.scope);
  });
  const minted = await parts.minter.mint({
    sub: rotated.family.userId,
    sid: rotated.family.id,
    ttl: parts.ttl,
    now: parts.serverNow(),
    azp: req.headers.origin,
    claims: { client_id: clientId, ...(scope === undefined ? {} : { scope }) },
  });
  stampDate(res, parts.serverNow());
  sendJson(
    res,
    200,
    {
      access_token: minted.jwt,
      token_type: 'Bearer',
      expires_in: minted.exp - minted.iat,
      refresh_token: rotated.refreshToken,
      ...(scope === undefined ? {} : { scope }),
    },
    { 'Cache-Control': 'no-store', Pragma: 'no-cache' },
  );
}

/**
 * The request parameters. RFC 6749 wants application/x-www-form-urlencoded; JSON is accepted too
 * because many clients send it. Repeated parameters are an error (section 3.2).
 */
function parseTokenRequest(req: IncomingMessage, body: Buffer): Map<string, string> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  const params = new Map<string, string>();
  if (type.includes('json')) {
    let value: unknown;
    try {
      value = parseJson(body);
    } catch {
      throw oauthError('invalid_request', 'Request body is not valid JSON');
    }
    if (value === undefined) return params;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw oauthError('invalid_request', 'Request body must be a JSON object');
    for (const [name, member] of Object.entries(value)) {
      if (member === undefined || member === null) continue;
      if (typeof member !== 'string') throw oauthError('invalid_request', `Parameter "${name}" must be a string`);
      params.set(name, member);
    }
    return params;
  }
  for (const [name, value] of new URLSearchParams(body.toString('utf8'))) {
    if (params.has(name)) throw oauthError('invalid_request', `Parameter "${name}" is repeated`);
    // Empty values count as omitted (RFC 6749 section 3.1).
    if (value !== '') params.set(name, value);
  }
  return params;
}

/** Public clients send `client_id` in the body; confidential ones may use HTTP Basic (section 2.3.1). */
function clientIdOf(req: IncomingMessage, params: Map<string, string>): string {
  const fromBody = params.get('client_id');
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const fromHeader = safeDecode(colon < 0 ? decoded : decoded.slice(0, colon));
    if (!fromHeader) throw oauthError('invalid_client', 'Malformed Basic credentials');
    if (fromBody !== undefined && fromBody !== fromHeader) throw oauthError('invalid_request', 'client_id differs from the Basic credentials');
    return fromHeader;
  }
  if (fromBody === undefined) throw oauthError('invalid_request', 'Missing client_id');
  return fromBody;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** A refresh may narrow the scope of the grant, never widen it (section 6). */
function grantedScope(requested: string | undefined, granted: string | undefined): string | undefined {
  if (requested === undefined) return granted;
  if (granted !== undefined) {
    const allowed = new Set(granted.split(' '));
    const extra = requested.split(' ').filter((scope) => scope !== '' && !allowed.has(scope));
    if (extra.length > 0) throw oauthError('invalid_scope', `Scope exceeds the grant: ${extra.join(' ')}`);
  }
  return requested;
}
