/**
 * Public shapes shared by the client, the sources and the coordinators. Kept apart from the
 * implementation so sources and coordinators depend on a contract, not on the engine.
 */

/**
 * Which token: a session can hold one per combination. `organizationId: null` is the personal
 * workspace and differs from `undefined` (the source's default).
 */
export interface TokenKey {
  template?: string | undefined;
  organizationId?: string | null | undefined;
  audience?: string | undefined;
}

export interface GetTokenOptions extends TokenKey {
  /** Ignore the cached token and wait for a freshly minted one (joins a refresh already in flight). */
  skipCache?: boolean;
}

export interface FetchTokenContext extends TokenKey {
  /** Aborted on timeout (`requestTimeout`), `clear()` and `destroy()`. Pass it to `fetch`. */
  signal: AbortSignal;
}

/**
 * What `fetchToken` resolves with: the JWT, or the JWT with the server's clock reading
 * (ms since epoch, e.g. from the `Date` header) so skew is learned exactly; `null` = signed out.
 */
export type FetchTokenResult = string | { token: string; serverTime?: number | undefined } | null;

export type FetchToken = (context: FetchTokenContext) => Promise<FetchTokenResult>;

/** Wall-clock time in ms since the epoch, plus an optional monotonic reading (ms, any origin). */
export interface Clock {
  now(): number;
  /** Monotonic time (e.g. `performance.now()`); guards against the wall clock jumping backwards. */
  monotonic?(): number;
}

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

/** Claims tokenwarden reads. The full payload is available for display. */
export interface TokenClaims {
  iat: number;
  exp: number;
  sid?: string;
  sub?: string;
  [claim: string]: unknown;
}

export type TokenEvent =
  | { type: 'fetch-start'; key: TokenKey; reason: 'cold' | 'refresh' | 'forced' | 'expired' }
  | { type: 'token'; key: TokenKey; token: string; claims: TokenClaims; origin: 'fetch' | 'coordinator'; refreshAt: number }
  | { type: 'fetch-error'; key: TokenKey; error: unknown; willRetry: boolean; retryIn?: number }
  | { type: 'signed-out'; key?: TokenKey }
  | { type: 'online' }
  | { type: 'offline' }
  | { type: 'cleared'; origin: 'local' | 'remote' }
  | { type: 'evicted'; key: TokenKey }
  | { type: 'coordinator-degraded'; error: unknown };

export type TokenEventType = TokenEvent['type'];

/**
 * What a coordinator may do to the client it is attached to. `offer` is the one door into the
 * cache (validated, monotonic, refused when issued before the last sign-out).
 */
export interface CoordinatorHost {
  offer(key: TokenKey, token: string): boolean;
  /** Another participant signed out: drop everything locally without telling the others again. */
  signOut(): void;
  /** Server-corrected time, ms. */
  now(): number;
  /** Seconds below which a token is no longer served. */
  readonly minValidity: number;
  emit(event: TokenEvent): void;
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
  acquire(key: TokenKey, signal: AbortSignal): Promise<() => void>;
  /** This client fetched and accepted a fresh token: share it. */
  publish(key: TokenKey, token: string): void;
  /** This client signed out (`clear()`): tell the others. */
  invalidate(): void;
  close(): void;
}

export interface Coordinator {
  connect(host: CoordinatorHost): CoordinatorLink;
}
