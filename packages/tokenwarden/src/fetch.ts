import type { TokenClient } from './client';
import type { TokenKey } from './types';

/** What `authFetch` needs from a client: any `TokenClient` fits. */
export type AuthFetchClient = Pick<TokenClient, 'getToken' | 'peekToken'>;

/** Options of {@link createAuthFetch}. */
export interface AuthFetchOptions {
  /** Which token to send (`template`, `organizationId`, `audience`). @default {} (the source's default token) */
  token?: TokenKey;
  /**
   * The `fetch` to send requests with (a wrapped fetch, a test double, React Native's).
   * @default globalThis.fetch, looked up on each call so polyfills and stubs installed later apply
   */
  fetch?: (input: Request) => Promise<Response>;
  /**
   * Whether a response means "this token was refused", which earns one retry with a fresh token.
   * @default (response) => response.status === 401
   */
  isUnauthorized?: (response: Response) => boolean;
}

/** A `fetch` that authenticates each request; the shape `createAuthFetch` returns. */
export type AuthFetch = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

const isStatus401 = (response: Response): boolean => response.status === 401;

function withToken(request: Request, token: string): Request {
  const headers = new Headers(request.headers);
  headers.set('Authorization', `Bearer ${token}`);
  return new Request(request, { headers });
}

/** Frees the connection of an answer nobody will read; failing to do so is harmless. */
function discard(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/**
 * Builds a `fetch` that sends `Authorization: Bearer <token>` from `client` and, when the server
 * refuses the token (401), retries exactly once with a fresh one. It never loops, and errors from
 * `getToken()` reach the caller unchanged: `OfflineError` stays an `OfflineError`.
 *
 * Details: the request (body included) is kept so it can be replayed; when the client already holds
 * a newer token than the refused one (another request refreshed meanwhile) that token is used
 * without a second refresh; concurrent refreshes are shared by the client. Signed out (`null`
 * token): the request goes out without `Authorization` and its 401 is returned as it is, as is the
 * first 401 when the forced refresh finds the user signed out.
 *
 * @example
 * const api = createAuthFetch(client, { token: { template: 'api' } });
 * try {
 *   const res = await api('/api/projects', { method: 'POST', body: JSON.stringify(project) });
 * } catch (error) {
 *   if (OfflineError.is(error)) showOfflineBanner();
 *   else throw error;
 * }
 */
export function createAuthFetch(client: AuthFetchClient, options: AuthFetchOptions = {}): AuthFetch {
  const key = options.token ?? {};
  const isUnauthorized = options.isUnauthorized ?? isStatus401;
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));

  return async (input, init) => {
    // One reusable copy: each attempt sends a clone, so a one-shot body can be replayed.
    const request = new Request(input, init);
    const token = await client.getToken(key);
    if (token === null) return send(request);
    const first = await send(withToken(request.clone(), token));
    if (!isUnauthorized(first)) return first;

    // Another request may already have replaced the refused token; otherwise force a new one
    // (joining any refresh in flight, so a burst of 401s costs one refresh).
    const current = client.peekToken(key);
    const fresh = current !== null && current !== token ? current : await client.getToken({ ...key, skipCache: true });
    if (fresh === null || fresh === token) return first;
    discard(first);
    return send(withToken(request, fresh));
  };
}

/**
 * One authenticated request: `createAuthFetch(client)(input, init)` with the default options.
 *
 * @example
 * const res = await authFetch(client, '/api/me');
 * if (res.ok) render(await res.json());
 */
export function authFetch(client: AuthFetchClient, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  return createAuthFetch(client)(input, init);
}
