import type { FetchToken, FetchTokenContext, FetchTokenResult } from '../types';
import { badResponse, errorCodeOf, readJson, serverTimeOf, statusError } from './response';

/**
 * Where the current refresh token lives. Rotation replaces it on every refresh, so it must be
 * written back: to memory (default), `localStorage`, a secure store, a database row...
 * `set(null)` means the grant is gone (signed out).
 */
export interface RefreshTokenStore {
  get(): string | null | Promise<string | null>;
  set(token: string | null): void | Promise<void>;
}

/** Options of `oauth2RefreshSource`. */
export interface OAuth2RefreshSourceOptions {
  /** The authorization server's token endpoint, e.g. `https://auth.example.com/oauth/token`. */
  tokenEndpoint: string | URL;
  /** Sent as `client_id` in the body (a public client, RFC 6749 section 2.3). */
  clientId: string;
  /** Seeds the default in-memory store. Give this or `store`, not both. @default none */
  refreshToken?: string;
  /** Keeps the rotated refresh token. Give this or `refreshToken`, not both. @default memoryStore(refreshToken) */
  store?: RefreshTokenStore;
  /** Sent as `scope` (may narrow the grant, RFC 6749 section 6). @default none: the grant's full scope */
  scope?: string;
  /** @default globalThis.fetch, looked up at call time */
  fetch?: typeof globalThis.fetch;
  /**
   * Longest a refresh request may take (ms) before it is abandoned. Callers' own signals never
   * abort it (see below), so this is what frees a hung connection. @default 30000
   */
  rotationTimeout?: number;
}

const WHAT = 'Token endpoint';

/**
 * A `fetchToken` that runs the OAuth 2.0 `refresh_token` grant (RFC 6749 section 6) against any
 * compliant server and resolves `{ token: access_token, serverTime }`.
 *
 * - **One token per session, whatever the key**: `template`, `organizationId` and `audience` are
 *   ignored; every key gets the same access token.
 * - **Rotation**: a `refresh_token` in the answer replaces the stored one before the access token
 *   is handed out. Answers without one keep the old token (rotation is optional in the RFC).
 * - **Single flight**: concurrent calls share one request, so a refresh token is never sent twice
 *   at once (which a rotating server treats as theft and answers by revoking the grant). This holds
 *   per source instance; share the instance, or a store that serializes, across callers.
 * - **Not aborted by callers**: a caller whose `signal` aborts stops waiting, but the request runs
 *   on, because a rotation cut off mid-way loses the new token and the next refresh would look
 *   like reuse. The next call joins it. Only `rotationTimeout` abandons it.
 * - `invalid_grant` (400/401) clears the store and resolves `null` (signed out), unless the store
 *   meanwhile holds a different token (another process rotated): that one is tried once.
 * - Other error answers throw `TokenFetchError` (429/5xx with `retryAfter`); a 2xx without a
 *   string `access_token` throws `InvalidTokenError('bad-response')`; network failures reject
 *   unchanged.
 *
 * @example
 * oauth2RefreshSource({ tokenEndpoint: `${issuer}/oauth/token`, clientId: 'spa', store: localStorageStore('rt') })
 */
export function oauth2RefreshSource(options: OAuth2RefreshSourceOptions): FetchToken {
  if ((options.refreshToken === undefined) === (options.store === undefined)) {
    throw new TypeError('oauth2RefreshSource: pass either refreshToken or store (exactly one)');
  }
  const store = options.store ?? memoryStore(options.refreshToken as string);
  const endpoint = String(options.tokenEndpoint);
  const timeout = options.rotationTimeout ?? 30_000;
  let inFlight: Promise<FetchTokenResult> | undefined;

  const refreshOnce = async (): Promise<FetchTokenResult> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`Refresh took longer than ${timeout} ms`, 'TimeoutError')), timeout);
    // A pending refresh must not keep a Node process alive on its own.
    (timer as { unref?: () => void }).unref?.();
    try {
      let sent = await store.get();
      for (let attempt = 0; sent !== null && attempt < 2; attempt++) {
        const answer = await requestGrant(options, endpoint, sent, controller.signal);
        if (answer.kind === 'granted') {
          // Stored before the body is judged: the server has retired the old token either way.
          if (answer.refreshToken !== undefined) await store.set(answer.refreshToken);
          return { token: accessTokenOf(answer.body), serverTime: answer.serverTime };
        }
        const current = await store.get();
        if (current !== sent) {
          // Someone else (another tab or process sharing the store) rotated meanwhile.
          sent = current;
          continue;
        }
        await store.set(null);
        return null;
      }
      return null;
    } finally {
      clearTimeout(timer);
    }
  };

  return (context: FetchTokenContext): Promise<FetchTokenResult> => {
    if (context.signal.aborted) return Promise.reject(context.signal.reason as unknown);
    const flight = (inFlight ??= refreshOnce().finally(() => {
      if (inFlight === flight) inFlight = undefined;
    }));
    return untilAborted(flight, context.signal);
  };
}

type GrantAnswer =
  | { kind: 'granted'; body: Record<string, unknown> | undefined; refreshToken: string | undefined; serverTime: number | undefined }
  | { kind: 'invalid-grant' };

async function requestGrant(options: OAuth2RefreshSourceOptions, endpoint: string, refreshToken: string, signal: AbortSignal): Promise<GrantAnswer> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: options.clientId });
  if (options.scope !== undefined) body.set('scope', options.scope);
  const response = await fetchImpl(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: body.toString(),
    signal,
  });
  const json = await readJson(response);
  if (!response.ok) {
    if ((response.status === 400 || response.status === 401) && errorCodeOf(json) === 'invalid_grant') return { kind: 'invalid-grant' };
    throw statusError(response, WHAT, json);
  }
  const fields = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  const rotated = fields?.['refresh_token'];
  return {
    kind: 'granted',
    body: fields,
    refreshToken: typeof rotated === 'string' && rotated !== '' ? rotated : undefined,
    serverTime: serverTimeOf(response),
  };
}

function accessTokenOf(body: Record<string, unknown> | undefined): string {
  if (body === undefined) throw badResponse(WHAT, 'the body is not a JSON object');
  const accessToken = body['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') throw badResponse(WHAT, 'the body has no string "access_token"');
  const tokenType = body['token_type'];
  // Missing is tolerated (some servers omit it); any other type (DPoP, MAC) needs more than a bearer header.
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer')) {
    throw badResponse(WHAT, 'the token_type is not Bearer');
  }
  return accessToken;
}

/** Waits for `promise`, or rejects with the signal's reason as soon as it aborts (the promise runs on). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as unknown);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * The default store: the refresh token in a closure, gone with the page or process.
 *
 * @example
 * const store = memoryStore(initialRefreshToken);
 * const source = oauth2RefreshSource({ tokenEndpoint, clientId, store });
 */
export function memoryStore(initial: string | null): RefreshTokenStore {
  let token = initial;
  return {
    get: () => token,
    set: (next) => {
      token = next;
    },
  };
}
