import type { FetchToken, FetchTokenContext, FetchTokenResult, TokenKey } from '../types';
import { none, type ClientAuth } from './clientAuth';
import { endpointResolver, type EndpointOptions } from './discovery';
import { createMutex, memoryStore, type RefreshTokenStore } from './refreshTokenStore';
import { accessTokenOf, addKeyParameters, requestToken, type AudienceParameter } from './tokenRequest';

/** Options of `oauth2RefreshSource`. */
export interface OAuth2RefreshSourceOptions extends EndpointOptions {
  clientId: string;
  /** How the client authenticates. @default none() (a public client: `client_id` in the body) */
  clientAuth?: ClientAuth;
  /** Seeds the default in-memory store. Give this or `store`, not both. @default none */
  refreshToken?: string;
  /**
   * Keeps the rotated refresh token. Give this or `refreshToken`, not both. Share one store with a
   * `lock` (memory, `localStorageStore`, `redisRefreshTokenStore`) between holders.
   * @default memoryStore(refreshToken)
   */
  store?: RefreshTokenStore;
  /** Sent as `scope` (may narrow the grant, RFC 6749 section 6). @default none: the grant's full scope */
  scope?: string;
  /** A key's `audience` goes out as RFC 8707 `resource`, or as Auth0's `audience`. @default 'resource' */
  audienceParameter?: AudienceParameter;
  /** @default globalThis.fetch, looked up at call time */
  fetch?: typeof globalThis.fetch;
  /**
   * Longest a refresh may take (ms), waiting for the store's lock included, before it is abandoned.
   * Callers' own signals never abort it (see below), so this is what frees a hung connection.
   * @default 30000
   */
  rotationTimeout?: number;
}

/**
 * A `fetchToken` that runs the OAuth 2.0 `refresh_token` grant (RFC 6749 section 6) and resolves
 * `{ token: access_token, expiresIn: expires_in, serverTime }`, so opaque access tokens work too.
 *
 * - **Endpoint**: `tokenEndpoint`, or `issuer` (discovered once: OIDC, then RFC 8414).
 * - **Per key**: a key's `audience` is sent as `resource` (RFC 8707) or `audience`
 *   (`audienceParameter`); `template` and `organizationId` are ignored.
 * - **Rotation**: a `refresh_token` in the answer replaces the stored one before the access token is
 *   handed out. Every rotation runs inside the store's `lock`, so holders sharing a store (sources,
 *   tabs, processes) never send one refresh token twice; without a `lock`, this source serializes
 *   its own rotations only.
 * - **Not aborted by callers**: a caller whose `signal` aborts stops waiting, but the request runs
 *   on, because a rotation cut off mid-way loses the new token and the next refresh would look
 *   like reuse. The next call joins it. Only `rotationTimeout` abandons it.
 * - **Errors**: `invalid_grant` clears the store and resolves `null` (signed out), unless the store
 *   meanwhile holds a different token (another holder rotated): that one is tried once. Any other
 *   error answer throws `TokenFetchError` (`status`, and the OAuth `error` code in `oauthError`):
 *   `invalid_client` is a configuration error, not a sign-out.
 *
 * @example
 * import { redisRefreshTokenStore } from 'tokenwarden/redis';
 * oauth2RefreshSource({ issuer: 'https://auth.example.com', clientId: 'spa', store: localStorageStore('app') });
 * oauth2RefreshSource({ issuer, clientId: 'web', clientAuth: clientSecretPost(secret), store: redisRefreshTokenStore({ redis, key: 'myapp:refresh-token' }) });
 */
export function oauth2RefreshSource(options: OAuth2RefreshSourceOptions): FetchToken {
  if ((options.refreshToken === undefined) === (options.store === undefined)) {
    throw new TypeError('oauth2RefreshSource: pass either refreshToken or store (exactly one)');
  }
  const store = options.store ?? memoryStore(options.refreshToken as string);
  const fetchOf = () => options.fetch ?? globalThis.fetch;
  const resolveEndpoint = endpointResolver(options, fetchOf, 'oauth2RefreshSource');
  const clientAuth = options.clientAuth ?? none();
  const timeout = options.rotationTimeout ?? 30_000;
  // Two audiences are two rotations of the same refresh token: they must not overlap either.
  const localLock = createMutex();
  const exclusive = <T>(rotation: () => Promise<T>, signal: AbortSignal): Promise<T> =>
    store.lock ? store.lock(rotation, signal) : localLock(rotation, signal);
  const inFlight = new Map<string, Promise<FetchTokenResult>>();

  const rotate = async (key: TokenKey, signal: AbortSignal): Promise<FetchTokenResult> => {
    const { tokenEndpoint, issuer } = await resolveEndpoint();
    let sent = await store.get();
    for (let attempt = 0; sent !== null && attempt < 2; attempt++) {
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sent });
      addKeyParameters(body, key, options.scope, options.audienceParameter);
      const answer = await requestToken({ tokenEndpoint, issuer, clientId: options.clientId, clientAuth, body, fetch: fetchOf(), signal });
      if (answer.kind === 'granted') {
        const rotated = answer.body['refresh_token'];
        // Stored before the body is judged: the server has retired the old token either way.
        if (typeof rotated === 'string' && rotated !== '') await store.set(rotated);
        return { ...accessTokenOf(answer.body), serverTime: answer.serverTime };
      }
      const current = await store.get();
      if (current !== sent) {
        // Someone else (a holder of a store without a lock) rotated meanwhile.
        sent = current;
        continue;
      }
      await store.set(null);
      return null;
    }
    return null;
  };

  const refreshOnce = async (key: TokenKey): Promise<FetchTokenResult> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new DOMException(`Refresh took longer than ${timeout} ms`, 'TimeoutError')), timeout);
    // A pending refresh must not keep a Node process alive on its own.
    (timer as { unref?: () => void }).unref?.();
    try {
      return await exclusive(() => rotate(key, controller.signal), controller.signal);
    } finally {
      clearTimeout(timer);
    }
  };

  return (context: FetchTokenContext): Promise<FetchTokenResult> => {
    if (context.signal.aborted) return Promise.reject(context.signal.reason as unknown);
    const key: TokenKey = { audience: context.audience };
    const id = context.audience ?? '';
    let flight = inFlight.get(id);
    if (!flight) {
      const started = refreshOnce(key).finally(() => {
        if (inFlight.get(id) === started) inFlight.delete(id);
      });
      flight = started;
      inFlight.set(id, started);
    }
    return untilAborted(flight, context.signal);
  };
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

export { memoryStore, type RefreshTokenStore };
