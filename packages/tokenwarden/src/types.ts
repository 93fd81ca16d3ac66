/**
 * Public shapes shared by the client, the sources and the coordinators. Kept apart from the
 * implementation so sources and coordinators depend on a contract, not on the engine.
 */

/**
 * Which token: a session can hold one per combination. `organizationId: null` is the personal
 * workspace and differs from `undefined` (the source's default).
 */
export interface TokenKey {
  /** Token template (a named token shape on the issuer, e.g. `'supabase'`). @default undefined (the source's default template) */
  template?: string | undefined;
  /** Organization the token is for; `null` = the personal workspace. @default undefined (the session's active organization) */
  organizationId?: string | null | undefined;
  /** Audience (`aud`) to ask for. @default undefined (the issuer's default audience) */
  audience?: string | undefined;
}

export interface GetTokenOptions extends TokenKey {
  /** Ignore the cached token and wait for a freshly minted one (joins a refresh already in flight). @default false */
  skipCache?: boolean;
}

export interface FetchTokenContext extends TokenKey {
  /** Aborted on timeout (`requestTimeout`), `clear()` and `destroy()`. Pass it to `fetch`. */
  signal: AbortSignal;
}

/**
 * What `fetchToken` resolves with; `null` = signed out.
 *
 * - a JWT string (its `exp`, `iat`, `nbf` give the timing);
 * - `{ token, serverTime? }`: the same, with the server's clock reading (ms since epoch, e.g. the
 *   `Date` header) so skew is learned from the answer rather than from `iat`;
 * - `{ token, expiresIn }` or `{ token, expiresAt }`: any token, JWT or opaque (OAuth2 access tokens
 *   from Google, GitHub, Auth0 without an audience…). `expiresIn` (seconds, as in an OAuth2 token
 *   response) counts from `serverTime` when given, else from when the answer arrived; `expiresAt` is
 *   ms on the server's clock. A JWT with an `exp` uses the earlier of the two.
 */
export type FetchTokenResult =
  | string
  | {
      token: string;
      /** Seconds of validity from the moment of the answer (OAuth2 `expires_in`). */
      expiresIn?: number | undefined;
      /** Expiry, ms since the epoch on the server's clock. */
      expiresAt?: number | undefined;
      /** The server's clock when it answered, ms since the epoch (e.g. `Date.parse(res.headers.get('date'))`). */
      serverTime?: number | undefined;
    }
  | null;

/**
 * Mints a token for the key in `context`; the one thing an app must give `createTokenClient`.
 * Throw an error with a numeric `status` (and `headers` or `retryAfter`) for HTTP failures so
 * tokenwarden can tell "retry" (5xx, 429, network) from "signed out" (401/403/404/422).
 *
 * @example
 * const fetchToken: FetchToken = async ({ template, signal }) => {
 *   const res = await fetch(`/api/token?template=${template ?? ''}`, { signal });
 *   if (res.status === 401) return null;
 *   if (!res.ok) throw Object.assign(new Error('token endpoint failed'), { status: res.status, headers: res.headers });
 *   return (await res.json()).jwt;
 * };
 */
export type FetchToken = (context: FetchTokenContext) => Promise<FetchTokenResult>;

/** Wall-clock time in ms since the epoch, plus an optional monotonic reading (ms, any origin). */
export interface Clock {
  now(): number;
  /** Monotonic time (e.g. `performance.now()`); guards against the wall clock jumping backwards. */
  monotonic?(): number;
}

/** Whatever the timer provider's `setTimeout` returns; only handed back to its `clearTimeout`. */
export type TimerHandle = unknown;

/** The timer functions tokenwarden uses; swap them in tests or exotic runtimes. */
export interface TimerProvider {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Where the client learns whether the device is online. React Native: wrap NetInfo. */
export interface NetworkSource {
  isOnline(): boolean;
  /** Called with the new state on every change. Returns the unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
  /**
   * False when the source cannot observe the network (Node): the client then learns from failures
   * instead of trusting `isOnline()`. @default true
   */
  readonly observable?: boolean;
}

/** Signals that the app woke up (tab visible, window focused, app foregrounded). */
export interface WakeSource {
  subscribe(listener: () => void): () => void;
}

/** Claims of a JWT access token. The full payload is available for display. */
export interface TokenClaims {
  iat?: number;
  exp?: number;
  nbf?: number;
  sid?: string;
  sub?: string;
  [claim: string]: unknown;
}

/**
 * One token as tokenwarden holds it, whatever its kind: in the cache, in events, in coordinator
 * messages. Times are ms on the server's clock. `claims` is the decoded payload when the token is a
 * JWT (for display, and for `sid` checks), `undefined` for an opaque token.
 */
export interface TokenRecord {
  readonly token: string;
  /** When it was issued (JWT `iat`, else when the answer was received), server-clock ms. */
  readonly issuedAt: number;
  /** When it expires (JWT `exp` or the source's `expiresIn`/`expiresAt`), server-clock ms. */
  readonly expiresAt: number;
  /** Not valid before (JWT `nbf`), server-clock ms. */
  readonly notBefore?: number | undefined;
  readonly claims?: TokenClaims | undefined;
}

/**
 * A token as another participant (tab, process) hands it over. A JWT carries its own timing; an
 * opaque token needs `expiresAt` (and ideally `issuedAt`), which the receiving client bounds.
 */
export interface SharedToken {
  token: string;
  expiresAt?: number | undefined;
  issuedAt?: number | undefined;
  /**
   * The coordinator knows the sender fetched this token after it applied this client's latest
   * sign-out. Without it the client refuses a token issued within the second of its sign-out
   * (whole-second `iat` cannot tell before from after); with it, only one provably from before.
   */
  afterSignOut?: boolean | undefined;
}

/**
 * Why a fetch starts: `cold` (no token yet), `refresh` (proactive, the cached token is still
 * served), `forced` (`skipCache`), `expired` (the cached token reached its cutoff).
 */
export type FetchReason = 'cold' | 'refresh' | 'forced' | 'expired';

/**
 * What `client.subscribe(listener)` hears, as a union on `type`:
 * `fetch-start` (a request for `key` begins: first fetch, proactive refresh, forced, or after expiry),
 * `token` (a new token was accepted, from a fetch or another tab/process; `refreshAt` is when it will
 * be refreshed), `fetch-error` (an attempt failed; `willRetry`, `retryIn` ms), `signed-out`,
 * `online` / `offline`, `cleared` (sign-out, here or in another participant), `evicted` (an unread
 * key was dropped), `coordinator-degraded` (cross-tab/fleet sharing failed; the client carries on alone),
 * `coordinator-recovered` (sharing works again after a `coordinator-degraded`).
 * Events never carry a token except `token` itself.
 *
 * @example
 * client.subscribe((event) => {
 *   if (event.type === 'signed-out') router.push('/sign-in');
 *   if (event.type === 'fetch-error' && !event.willRetry) report(event.error);
 * });
 */
export type TokenEvent =
  | { type: 'fetch-start'; key: TokenKey; reason: FetchReason }
  | {
      type: 'token';
      key: TokenKey;
      token: string;
      /** The decoded payload for a JWT, `undefined` for an opaque token. */
      claims: TokenClaims | undefined;
      /** Server-clock ms. */
      issuedAt: number;
      /** Server-clock ms. */
      expiresAt: number;
      origin: 'fetch' | 'coordinator';
      refreshAt: number;
    }
  | { type: 'fetch-error'; key: TokenKey; error: unknown; willRetry: boolean; retryIn?: number }
  | { type: 'signed-out'; key?: TokenKey }
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'cleared'; origin: 'local' | 'remote' }
  | { type: 'evicted'; key: TokenKey }
  | { type: 'coordinator-degraded'; error: unknown }
  | { type: 'coordinator-recovered' };

/** The `type` of every {@link TokenEvent}: `'fetch-start' | 'token' | …`. */
export type TokenEventType = TokenEvent['type'];

/**
 * What a coordinator may do to the client it is attached to. `offer` is the one door into the
 * cache (validated, monotonic, refused when issued before the last sign-out).
 */
export interface CoordinatorHost {
  /**
   * Offers a token another participant fetched. True when the client adopted it. The client refuses
   * what it would refuse from its own fetch, plus: a token issued before its last sign-out, a
   * token for a key it has not read, an opaque token without `expiresAt`, and one whose lifetime is
   * beyond the client's bound (`maxTokenLifetime`).
   */
  offer(key: TokenKey, token: string | SharedToken): boolean;
  /** Another participant signed out: drop everything locally without telling the others again. */
  signOut(): void;
  /** Server-corrected time, ms. */
  now(): number;
  /** The token this client would serve for `key` right now (with its timing), or `null`; no side effects. */
  peek(key: TokenKey): TokenRecord | null;
  /** Seconds below which a token is no longer served. */
  readonly minValidity: number;
  emit(event: TokenEvent): void;
}

/** What the client tells a coordinator about the fetch it is about to make. */
export interface AcquireContext {
  /**
   * Why this fetch: only a `refresh` leaves callers served meanwhile, so only it may be delayed
   * (spread) to let another participant deliver first.
   */
  reason: FetchReason;
}

/**
 * The connection of one client to a coordinator (cross-tab, fleet). Failures must never surface
 * as failed `getToken()` calls: a link that cannot coordinate lets the client fetch on its own.
 */
export interface CoordinatorLink {
  /**
   * Called before each fetch of `key`. Resolves when this client should go ahead (with a release
   * function, called after the fetch settles) — either because it holds the right to refresh, or
   * because a shared token may have arrived through `host.offer` (the client re-checks its cache),
   * or because waiting for others took too long.
   */
  acquire(key: TokenKey, signal: AbortSignal, context?: AcquireContext): Promise<() => void>;
  /** This client fetched and accepted a fresh token: share it (with its expiry: it may be opaque). */
  publish(key: TokenKey, record: TokenRecord): void;
  /** This client signed out (`clear()`): tell the others. */
  invalidate(): void;
  close(): void;
}

/**
 * Shares tokens and elects one refresher among several clients (tabs, processes). Ready ones:
 * `broadcastCoordinator` (browser tabs) and `redisCoordinator` from `tokenwarden/redis` (servers).
 * Pass one as `createTokenClient({ coordinator })`.
 */
export interface Coordinator {
  /** Called once by the client it is given to; returns that client's link. */
  connect(host: CoordinatorHost): CoordinatorLink;
}
