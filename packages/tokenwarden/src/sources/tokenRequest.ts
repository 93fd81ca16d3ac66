import { TokenFetchError } from '../errors';
import type { TokenKey } from '../types';
import type { ClientAuth } from './clientAuth';
import { OAuthError } from './oauthError';
import { badResponse, errorCodeOf, readJson, retryTimingOf, serverTimeOf } from './response';

const WHAT = 'Token endpoint';

/** How a key's `audience` is sent: RFC 8707 `resource` (standard) or Auth0's `audience`. */
export type AudienceParameter = 'resource' | 'audience';

/** Adds the key's audience and the source's scope to a token request. */
export function addKeyParameters(body: URLSearchParams, key: TokenKey, scope: string | undefined, audienceParameter: AudienceParameter | undefined): void {
  if (key.audience !== undefined) body.set(audienceParameter ?? 'resource', key.audience);
  if (scope !== undefined) body.set('scope', scope);
}

export interface TokenRequest {
  tokenEndpoint: string;
  issuer: string | undefined;
  clientId: string;
  clientAuth: ClientAuth;
  /** The grant's own parameters (`grant_type`, `refresh_token`, `scope`, `resource`…). */
  body: URLSearchParams;
  fetch: typeof fetch;
  signal: AbortSignal;
}

export type TokenAnswer =
  | { kind: 'granted'; body: Record<string, unknown>; serverTime: number | undefined }
  /** `invalid_grant`: the grant (refresh token, client's right to the grant) is gone: signed out. */
  | { kind: 'invalid-grant' };

/**
 * Sends one token request (RFC 6749 section 3.2) with the client's authentication and sorts the
 * answer. Error answers other than `invalid_grant` throw `TokenFetchError` with the HTTP status and,
 * for an OAuth error body, an `OAuthError` cause holding the code: `invalid_client` and friends are
 * configuration errors, never a sign-out. Nothing sent (secret, assertion, refresh token) is put in
 * any error.
 */
export async function requestToken(request: TokenRequest): Promise<TokenAnswer> {
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' });
  await request.clientAuth.apply({
    clientId: request.clientId,
    tokenEndpoint: request.tokenEndpoint,
    issuer: request.issuer,
    body: request.body,
    headers,
  });
  const response = await request.fetch(request.tokenEndpoint, { method: 'POST', headers, body: request.body.toString(), signal: request.signal });
  const json = await readJson(response);
  if (!response.ok) {
    const code = errorCodeOf(json);
    if ((response.status === 400 || response.status === 401) && code === 'invalid_grant') return { kind: 'invalid-grant' };
    throw new TokenFetchError(response.status, {
      ...retryTimingOf(response),
      oauthError: code,
      message: `${WHAT} answered ${response.status}${code ? ` (${code})` : ''}`,
      cause: code ? new OAuthError(code) : undefined,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badResponse(WHAT, 'the body is not a JSON object');
  return { kind: 'granted', body: json as Record<string, unknown>, serverTime: serverTimeOf(response) };
}

/** The access token and its lifetime from a successful answer (RFC 6749 section 5.1). */
export function accessTokenOf(body: Record<string, unknown>): { token: string; expiresIn: number | undefined } {
  const token = body['access_token'];
  if (typeof token !== 'string' || token === '') throw badResponse(WHAT, 'the body has no string "access_token"');
  const tokenType = body['token_type'];
  // Missing is tolerated (some servers omit it); any other type (DPoP, MAC) needs more than a bearer header.
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw badResponse(WHAT, 'the token_type is not Bearer');
  }
  return { token, expiresIn: expiresInOf(body['expires_in']) };
}

/** `expires_in` as seconds; a few servers send it as a numeric string. Anything else: absent. */
function expiresInOf(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}
