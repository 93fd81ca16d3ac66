import type { FetchToken, FetchTokenContext, FetchTokenResult } from '../types';
import { badResponse, discardBody, readJson, serverTimeOf, statusError } from './response';

/** Options of `httpTokenSource`. */
export interface HttpTokenSourceOptions {
  /** Origin (and optional path prefix) of the token API, e.g. `https://clerk.example.com`. */
  baseUrl: string | URL;
  /** The session to mint tokens for. */
  sessionId: string;
  /** @default globalThis.fetch, looked up at call time (so test doubles installed later apply) */
  fetch?: typeof globalThis.fetch;
  /** The session lives in a cookie, usually on another origin. @default 'include' */
  credentials?: RequestCredentials;
  /** Extra request headers. In Node, which has no cookie jar, pass `{ cookie }` here. @default none */
  headers?: HeadersInit;
}

/** Statuses meaning "this session cannot have a token": signed out, not a failure. */
const SIGNED_OUT = new Set([401, 403, 404, 422]);
const WHAT = 'Session token endpoint';

/**
 * A `fetchToken` for a Clerk-style session endpoint:
 * `POST {baseUrl}/v1/client/sessions/{sessionId}/tokens[/{template}]`, answering `{ jwt }`.
 *
 * - 401/403/404/422 resolve `null` (signed out).
 * - 429 and 5xx throw `TokenFetchError` with `status` and `retryAfter` (ms), for the engine to retry;
 *   other statuses throw `TokenFetchError` too.
 * - Network failures and aborts reject with whatever `fetch` rejected with, unchanged.
 * - A 2xx without a string `jwt` throws `InvalidTokenError('bad-response')`.
 * - The `Date` header becomes `serverTime`, from which the engine learns the clock skew (a
 *   cross-origin server must expose it: `Access-Control-Expose-Headers: Date`).
 *
 * @example
 * createTokenClient({ fetchToken: httpTokenSource({ baseUrl: 'http://127.0.0.1:4010', sessionId }) })
 */
export function httpTokenSource(options: HttpTokenSourceOptions): FetchToken {
  const base = String(options.baseUrl).replace(/\/+$/, '');
  const sessionPath = `${base}/v1/client/sessions/${encodeURIComponent(options.sessionId)}/tokens`;
  const credentials = options.credentials ?? 'include';

  return async (context: FetchTokenContext): Promise<FetchTokenResult> => {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const url = context.template === undefined ? sessionPath : `${sessionPath}/${encodeURIComponent(context.template)}`;
    const headers = new Headers(options.headers);
    const body = requestBody(context);
    // Without a body there is no Content-Type, which keeps the request CORS-simple: no preflight.
    if (body !== undefined) headers.set('content-type', 'application/json');
    headers.set('accept', 'application/json');

    const response = await fetchImpl(url, { method: 'POST', headers, body, credentials, signal: context.signal });
    if (SIGNED_OUT.has(response.status)) {
      await discardBody(response);
      return null;
    }
    if (!response.ok) throw statusError(response, WHAT, await readJson(response).catch(() => undefined));

    const json = await readJson(response);
    if (json === undefined) throw badResponse(WHAT, 'the body is not JSON');
    const jwt = (json as { jwt?: unknown } | null)?.jwt;
    if (typeof jwt !== 'string' || jwt === '') throw badResponse(WHAT, 'the body has no string "jwt"');
    return { token: jwt, serverTime: serverTimeOf(response) };
  };
}

function requestBody(context: FetchTokenContext): string | undefined {
  const fields: Record<string, unknown> = {};
  // `null` is meaningful (the personal workspace), so only `undefined` is left out.
  if (context.organizationId !== undefined) fields['organization_id'] = context.organizationId;
  if (context.audience !== undefined) fields['audience'] = context.audience;
  return Object.keys(fields).length === 0 ? undefined : JSON.stringify(fields);
}
