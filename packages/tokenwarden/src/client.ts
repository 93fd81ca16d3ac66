import { type AcceptResult, type CacheEntry, type ServerNow, TokenCache, type TokenOrigin } from './cache';
import { ServerClock, resolutionOf, systemClock } from './clock';
import { OfflineError, TokenError, TokenFetchError } from './errors';
import { EventHub, type TokenEventListener } from './events';
import { Flight, Pacer } from './flight';
import { DEFAULT_KEY, DEFAULT_KEY_ID, isTokenKey, keyId, toKey } from './keys';
import { readFetchResult, readSharedToken } from './record';
import { CLOCK_DISAGREES } from './retry';
import { defaultNetworkSource } from './network';
import { Scheduler } from './scheduler';
import { sharedDraw } from './sharedDraw';
import { DEFAULT_FOREGROUND_BUDGET, DEFAULT_MAX_TOKEN_LIFETIME, DEFAULT_MIN_VALIDITY, DEFAULT_REQUEST_TIMEOUT, defaultRefreshMargin } from './timing';
import { systemTimers } from './timers';
import type {
  Clock,
  Coordinator,
  CoordinatorHost,
  CoordinatorLink,
  FetchReason,
  FetchToken,
  GetTokenOptions,
  NetworkSource,
  SharedToken,
  TimerProvider,
  TokenClaims,
  TokenKey,
  TokenRecord,
  WakeSource,
} from './types';
import { defaultWakeSource } from './visibility';

/** Options of {@link createTokenClient}; only `fetchToken` is required. */
export interface TokenClientOptions {
  /** Mints a token for a key. Resolve `null` when the user is signed out. */
  fetchToken: FetchToken;
  /**
   * Seconds of validity a returned token always has left, by the server's clock (its late end):
   * a token is never handed out from `expiresAt - minValidity` on, whatever the other options. A
   * token that arrives with no more than this left is an `InvalidTokenError`. @default 5
   */
  minValidity?: number;
  /**
   * Timeout of one token request in ms (more than 0), counted from when it is sent; the attempt's
   * `signal` aborts after it. A coordinator's turn before the request (a fleet spreading a refresh
   * wave) is not counted: it is bounded by the coordinator, and at the latest by the held token's
   * cutoff (by this timeout when no token is held). @default 10000
   */
  requestTimeout?: number;
  /**
   * Longest lifetime, in seconds, a token delivered by a coordinator (another tab, another
   * process) may claim; a longer one is refused (tokens this client fetches itself are not
   * bounded). @default 86400 (a day)
   */
  maxTokenLifetime?: number;
  /** How long (ms) a caller without a usable token keeps retrying before an error. @default 10000 */
  foregroundRetryBudget?: number;
  /**
   * Seconds before `exp` at which to refresh, given the token's lifetime in seconds.
   * @default ttl => min(max(17, 0.1 * ttl), 0.5 * ttl)
   */
  refreshMargin?: (ttlSeconds: number) => number;
  /** @default Date.now + performance.now */
  clock?: Clock;
  /** @default the global setTimeout/clearTimeout, looked up lazily */
  timers?: TimerProvider;
  /** @default navigator.onLine + online/offline events in browsers; elsewhere optimistic */
  network?: NetworkSource;
  /** @default visibilitychange (visible) and focus where a document exists */
  wake?: WakeSource;
  /** Shares tokens and elects one refresher across tabs or processes. @default none: each client fetches on its own */
  coordinator?: Coordinator;
  /** Jitter source, for deterministic tests. @default Math.random */
  random?: () => number;
}

/** What the client knows about one key, for dashboards and debugging. Never contains the raw token. */
export interface TokenEntrySnapshot {
  key: TokenKey;
  /** The decoded payload when the token is a JWT; undefined for an opaque token or none. */
  claims: TokenClaims | undefined;
  /** Server-clock ms. */
  issuedAt: number | undefined;
  /** Server-clock ms. */
  expiresAt: number | undefined;
  refreshAt: number | undefined;
  cutoffAt: number | undefined;
  /** Server-clock ms of the last `getToken()` for this key (an entry exists only for a key that was read). */
  lastReadAt: number | undefined;
  refreshing: boolean;
}

/** What `client.snapshot()` returns: the client's view of time, network and every key. Never contains a raw token. */
export interface TokenClientSnapshot {
  /**
   * The latest the server's clock can read now, ms: the clock `refreshAt` and `cutoffAt` are judged
   * on (a token is served while `now < cutoffAt`).
   */
  now: number;
  /** Best estimate of the `server - local` clock difference, ms (the middle of `serverOffsetBounds`). */
  serverOffset: number;
  /**
   * The true `server - local` difference lies between these, ms. Expiry is judged on `high` (the
   * latest the server's clock can be), so an uncertain estimate costs an early refresh, never a
   * token past its cutoff.
   */
  serverOffsetBounds: { low: number; high: number };
  online: boolean;
  entries: TokenEntrySnapshot[];
}

/**
 * A token client, made by {@link createTokenClient}. Create one per session (user) and keep it for
 * the life of the session; `destroy()` it when the session's UI goes away for good.
 */
export interface TokenClient {
  /**
   * A token with more than `minValidity` left, or `null` when signed out.
   * Rejects with `OfflineError` (no usable token, network unreachable), `TokenFetchError`
   * (the server keeps failing), `InvalidTokenError`, or `TokenError` code `destroyed`.
   */
  getToken(options?: GetTokenOptions): Promise<string | null>;
  /** The cached token if it is servable right now, else `null`. Synchronous, no side effects. */
  peekToken(key?: TokenKey): string | null;
  /** Hears every {@link TokenEvent}; returns the unsubscribe function. */
  subscribe(listener: TokenEventListener): () => void;
  /** Sign-out: forget every token, abort fetches in flight (their callers get `null`). */
  clear(): void;
  /** `clear()` plus stop every timer and listener; later calls reject with code `destroyed`. */
  destroy(): void;
  /** What the network source says now (or, where it cannot observe the network, what failures taught). */
  isOnline(): boolean;
  /** Timing and state of every key, for dashboards and debugging. Never contains a raw token. */
  snapshot(): TokenClientSnapshot;
  /** True after `destroy()`. */
  readonly destroyed: boolean;
}

type Entry = CacheEntry<Flight>;

/** An unread key stops refreshing after one token lifetime; this stands in before any token arrived. */
const DEFAULT_IDLE_AFTER = 60_000;
function numberOption(name: string, value: unknown, fallback: number, allowZero: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new TypeError(`tokenwarden: ${name} must be a finite number ${allowZero ? '>= 0' : '> 0'}, got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

function functionOption<T>(name: string, value: unknown, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'function') throw new TypeError(`tokenwarden: ${name} must be a function, got ${typeof value}`);
  return value as T;
}

/** `getToken`'s argument: nothing, or an options object. A string (`getToken('supabase')`) is a mistake, not the default key. */
function checkGetTokenOptions(options: unknown): asserts options is GetTokenOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`tokenwarden: getToken takes an options object such as { template: 'name' }, got ${options === null ? 'null' : typeof options}`);
  }
  const skipCache = (options as { skipCache?: unknown }).skipCache;
  if (skipCache !== undefined && typeof skipCache !== 'boolean') throw new TypeError('tokenwarden: skipCache must be a boolean');
}

class TokenClientImpl implements TokenClient {
  readonly #fetchToken: FetchToken;
  readonly #requestTimeout: number;
  readonly #budget: number;
  readonly #timers: TimerProvider;
  readonly #random: () => number;
  readonly #clock: ServerClock;
  readonly #cache: TokenCache<Flight>;
  readonly #pacers = new Map<string, Pacer>();
  readonly #scheduler: Scheduler;
  readonly #network: NetworkSource;
  readonly #events = new EventHub();
  readonly #unsubscribe: Array<() => void> = [];
  readonly #link: CoordinatorLink | undefined;
  #suspectOffline = false;
  #destroyed = false;

  constructor(options: TokenClientOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('tokenwarden: createTokenClient takes an options object');
    if (typeof options.fetchToken !== 'function') throw new TypeError('tokenwarden: fetchToken must be a function');
    const minValidity = numberOption('minValidity', options.minValidity, DEFAULT_MIN_VALIDITY, true);
    this.#fetchToken = options.fetchToken;
    this.#requestTimeout = numberOption('requestTimeout', options.requestTimeout, DEFAULT_REQUEST_TIMEOUT, false);
    this.#budget = numberOption('foregroundRetryBudget', options.foregroundRetryBudget, DEFAULT_FOREGROUND_BUDGET, true);
    const maxTokenLifetime = numberOption('maxTokenLifetime', options.maxTokenLifetime, DEFAULT_MAX_TOKEN_LIFETIME, false);
    this.#timers = options.timers ?? systemTimers;
    this.#random = functionOption('random', options.random, Math.random);
    this.#clock = new ServerClock(options.clock ?? systemClock);
    this.#cache = new TokenCache({
      minValidity,
      refreshMargin: functionOption('refreshMargin', options.refreshMargin, defaultRefreshMargin),
      maxDeliveredLifetime: maxTokenLifetime * 1000,
      draw: sharedDraw,
      localNow: () => this.#clock.localNow(),
    });
    this.#scheduler = new Scheduler({ timers: this.#timers, now: () => this.#clock.now(), onDue: (id) => this.#onDue(id) });
    this.#network = options.network ?? defaultNetworkSource();
    this.#unsubscribe.push(this.#network.subscribe((online) => this.#onNetworkChange(online)));
    this.#unsubscribe.push((options.wake ?? defaultWakeSource()).subscribe(() => this.#onWake()));
    if (options.coordinator) {
      const host: CoordinatorHost = {
        offer: (key, token) => this.#offer(key, token),
        peek: (key) => this.#peekRecord(key),
        signOut: () => this.#signOutLocally('remote'),
        now: () => this.#clock.now(),
        minValidity,
        emit: (event) => this.#events.emit(event),
      };
      this.#link = options.coordinator.connect(host);
    }
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  getToken(options?: GetTokenOptions): Promise<string | null> {
    if (this.#destroyed) return Promise.reject(new TokenError('destroyed', 'This token client was destroyed'));
    // The cache-hit path: one map lookup per key part, one wall-clock read, no allocation. Anything
    // unusual (a forced read, an argument to check, a deadline to recompute) takes the full path.
    let entry: Entry | undefined;
    if (options === undefined) entry = this.#cache.defaultEntry;
    else if (typeof options === 'object' && options !== null) {
      const skipCache = options.skipCache;
      if ((skipCache === undefined || skipCache === false) && !Array.isArray(options)) entry = this.#cache.find(options.template, options.organizationId, options.audience);
    }
    if (entry !== undefined) {
      const wall = this.#clock.wall();
      if (wall < entry.hitUntilWall && entry.hitGeneration === this.#clock.generation) {
        entry.lastReadWall = wall;
        return Promise.resolve(entry.token as string);
      }
    }
    return this.#read(options);
  }

  #read(options: GetTokenOptions | undefined): Promise<string | null> {
    let key = DEFAULT_KEY;
    let id = DEFAULT_KEY_ID;
    if (options !== undefined) {
      try {
        checkGetTokenOptions(options);
        key = toKey(options);
      } catch (error) {
        return Promise.reject(error);
      }
      id = keyId(key);
    }
    const entry = this.#cache.getOrCreate(id, key);
    const now = this.#clock.now();
    entry.lastReadAt = this.#clock.lastLocal;
    entry.lastReadWall = this.#clock.wall();
    const skipCache = options?.skipCache === true;
    // The cutoff is 0 until a token is held.
    if (!skipCache && now < entry.cutoffAt) {
      // Normally the scheduler got here first; a late timer (sleep, throttled tab) is caught up by
      // reads. Offline, the `online` event catches up instead of a flight that ends at once.
      if (now >= entry.refreshAt) {
        if (entry.flight === undefined && this.isOnline()) this.#startFlight(entry, 'refresh');
      } else {
        this.#openHitPath(entry);
      }
      return Promise.resolve(entry.token as string);
    }
    if (!this.#network.isOnline()) {
      // Keys first read offline are still dropped once idle.
      if (entry.flight === undefined && entry.token === undefined) this.#scheduler.plan(id, this.#idleAt(entry));
      return Promise.reject(new OfflineError('The network is offline and no usable token is cached'));
    }
    if (skipCache) entry.forcedAt = entry.version;
    return new Promise((resolve, reject) => {
      const reason: FetchReason = skipCache ? 'forced' : entry.record ? 'expired' : 'cold';
      const flight = entry.flight ?? this.#startFlight(entry, reason);
      flight.join({ resolve, reject, deadline: this.#clock.localNow() + this.#budget });
    });
  }

  /**
   * Lets reads of a fresh token skip every clock but the wall clock until its refresh point. The
   * deadline is withdrawn by the clock (`generation`) when the wall clock is seen to step back or
   * fall behind the monotonic one: at the next read if it is set back further than the gap since
   * the last read, else at the next full clock reading (the refresh timer, which runs on monotonic
   * time, at the latest).
   */
  #openHitPath(entry: Entry): void {
    entry.hitUntilWall = this.#clock.wallAt(entry.refreshAt);
    entry.hitGeneration = this.#clock.generation;
  }

  peekToken(key: TokenKey = DEFAULT_KEY): string | null {
    const entry = this.#cache.get(keyId(toKey(key)));
    return entry && this.#cache.isServable(entry, this.#clock.now()) ? (entry.token as string) : null;
  }

  #peekRecord(key: unknown): TokenRecord | null {
    if (!isTokenKey(key)) return null;
    const entry = this.#cache.get(keyId(toKey(key)));
    return entry && this.#cache.isServable(entry, this.#clock.now()) ? (entry.record as TokenRecord) : null;
  }

  subscribe(listener: TokenEventListener): () => void {
    if (this.#destroyed) return () => undefined;
    if (typeof listener !== 'function') throw new TypeError('tokenwarden: subscribe takes a listener function');
    return this.#events.subscribe(listener);
  }

  clear(): void {
    if (this.#destroyed) return;
    // Same events as a sign-out seen by another tab, so one listener serves both.
    this.#signOutLocally('local');
    this.#tellCoordinator(() => this.#link?.invalidate());
  }

  destroy(): void {
    if (this.#destroyed) return;
    // Local only: closing one tab must not sign the others out.
    this.#clearLocally('local');
    this.#destroyed = true;
    this.#scheduler.stop();
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#tellCoordinator(() => this.#link?.close());
    this.#events.clear();
  }

  isOnline(): boolean {
    return this.#network.isOnline() && !(this.#suspectOffline && this.#network.observable === false);
  }

  snapshot(): TokenClientSnapshot {
    const entries: TokenEntrySnapshot[] = [];
    for (const entry of this.#cache.values()) {
      const record = entry.record;
      entries.push({
        key: entry.key,
        claims: record?.claims,
        issuedAt: record?.issuedAt,
        expiresAt: record?.expiresAt,
        refreshAt: record ? entry.refreshAt : undefined,
        cutoffAt: record ? entry.cutoffAt : undefined,
        lastReadAt: this.#clock.toServerTime(this.#lastReadLocal(entry)),
        refreshing: entry.flight !== undefined,
      });
    }
    return {
      now: this.#clock.now(),
      serverOffset: this.#clock.offset,
      serverOffsetBounds: this.#clock.offsetBounds,
      online: this.isOnline(),
      entries,
    };
  }

  #serverNow(): ServerNow {
    return { late: this.#clock.now(), early: this.#clock.earliest() };
  }

  #pacer(id: string): Pacer {
    let pacer = this.#pacers.get(id);
    if (!pacer) {
      pacer = new Pacer();
      this.#pacers.set(id, pacer);
    }
    return pacer;
  }

  #startFlight(entry: Entry, reason: FetchReason): Flight {
    this.#events.emit({ type: 'fetch-start', key: entry.key, reason });
    const versionAtStart = entry.version;
    const flight: Flight = new Flight({
      // Local monotonic time: deadlines and pacing must not jump when the server offset is learned.
      now: () => this.#clock.localNow(),
      serverNow: () => this.#clock.estimate(),
      timers: this.#timers,
      random: this.#random,
      requestTimeout: this.#requestTimeout,
      pacer: this.#pacer(entry.id),
      isOnline: () => this.#network.isOnline(),
      suspectOffline: () => this.#suspectOffline,
      attempt: (signal, requestStarts) => this.#attempt(entry, versionAtStart, reason, signal, requestStarts),
      // While a token is served, the coordinator may take until its cutoff (it spreads a refresh
      // wave over a quarter of that at most); with none, callers wait: no longer than a request.
      waitBound: () => {
        const now = this.#clock.now();
        return this.#cache.isServable(entry, now) ? Math.max(this.#requestTimeout, entry.cutoffAt - now) : this.#requestTimeout;
      },
      backgroundUntil: () => (entry.record === undefined ? Number.NEGATIVE_INFINITY : this.#clock.toLocalTime(entry.record.expiresAt)),
      onSignedOut: () => this.#signOut(entry.key),
      onFailure: (error, willRetry, retryIn, answeredOffline) => {
        if (answeredOffline && this.#network.observable === false) this.#setSuspectOffline(true);
        if (TokenFetchError.is(error)) this.#setSuspectOffline(false);
        this.#events.emit({ type: 'fetch-error', key: entry.key, error, willRetry, ...(retryIn === undefined ? {} : { retryIn }) });
      },
      onSettled: () => {
        // Only a settled flight leaves its key: a key never has two flights at once.
        entry.flight = undefined;
        this.#planNext(entry);
      },
    });
    entry.flight = flight;
    flight.start();
    return flight;
  }

  async #attempt(entry: Entry, versionAtStart: number, reason: FetchReason, signal: AbortSignal, requestStarts: () => void): Promise<string | null> {
    const release = await this.#acquire(entry.key, signal, reason);
    try {
      const now = this.#clock.now();
      // Another tab or instance may have delivered while we waited for the right to refresh; not
      // a token a forcing caller (skipCache) could already see: it asked for a newer one.
      if (entry.version !== versionAtStart && entry.version > entry.forcedAt && this.#cache.isServable(entry, now) && now < entry.refreshAt) {
        return entry.token as string;
      }
      const epoch = this.#cache.epoch;
      const sentEarliest = this.#clock.earliest();
      const sentAt = this.#clock.localNow();
      requestStarts();
      const result = await this.#fetchToken({ ...entry.key, signal });
      const receivedAt = this.#clock.localNow();
      if (signal.aborted || epoch !== this.#cache.epoch) throw signal.reason ?? new TokenError('aborted', 'Token fetch aborted by clear()');
      this.#setSuspectOffline(false);
      if (result === null) return null;
      const { record, serverTime } = readFetchResult(result, sentEarliest);
      // The answer bounds the server's clock: its `serverTime`, else a JWT's `iat` (minted for us).
      const reading = serverTime ?? (record.claims?.iat === undefined ? undefined : record.issuedAt);
      const setAside = reading !== undefined && !this.#clock.learn({ time: reading, resolution: resolutionOf(reading), sentAt, receivedAt });
      let outcome: AcceptResult;
      try {
        outcome = this.#admit(entry, record, 'fetch');
      } catch (error) {
        // Refused by a clock this answer contradicted: if the server's clock stepped, the next
        // answer confirms it, so this is worth another attempt (paced like any failure).
        if (setAside) Object.defineProperty(error, CLOCK_DISAGREES, { value: true });
        throw error;
      }
      // A `token` listener may have signed out: the token belongs to the session that ended.
      if (outcome === 'accepted' && epoch === this.#cache.epoch) this.#tellCoordinator(() => this.#link?.publish(entry.key, record));
      return record.token;
    } finally {
      release();
    }
  }

  async #acquire(key: TokenKey, signal: AbortSignal, reason: FetchReason): Promise<() => void> {
    if (!this.#link) return noop;
    try {
      return await this.#link.acquire(key, signal, { reason });
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      // Coordination is an optimisation: without it, this client simply fetches on its own.
      this.#events.emit({ type: 'coordinator-degraded', error });
      return noop;
    }
  }

  /** The cache's one door, plus what follows a new token: its refresh plan and the event. */
  #admit(entry: Entry, record: TokenRecord, origin: TokenOrigin): AcceptResult {
    const outcome = this.#cache.accept(entry, record, this.#serverNow(), origin);
    if (outcome === 'accepted') {
      if (entry.flight === undefined) this.#scheduler.plan(entry.id, entry.refreshAt);
      this.#events.emit({
        type: 'token',
        key: entry.key,
        token: record.token,
        claims: record.claims,
        issuedAt: record.issuedAt,
        expiresAt: record.expiresAt,
        origin,
        refreshAt: entry.refreshAt,
      });
    }
    return outcome;
  }

  /**
   * A token from another participant. Bounded to what this client would accept from its own
   * fetch, for keys it reads, issued after its last sign-out by the latest the server's clock
   * could have read then: a token minted in the second of the sign-out is refused (the client
   * fetches its own: a request, never a token of the ended session) unless the coordinator
   * vouches that the sender fetched it after applying that sign-out (`afterSignOut`).
   */
  #offer(key: TokenKey, shared: string | SharedToken): boolean {
    if (this.#destroyed || !isTokenKey(key)) return false;
    const entry = this.#cache.get(keyId(toKey(key)));
    // Only reads make entries: a coordinator cannot plant keys this client never asked for.
    if (entry === undefined) return false;
    const record = readSharedToken(shared, this.#clock.now());
    if (record === undefined) return false;
    const clearedAt = this.#cache.clearedAt;
    const vouched = typeof shared === 'object' && shared !== null && shared.afterSignOut === true;
    if (record.issuedAt < (vouched ? Math.floor(clearedAt / 1000) * 1000 : clearedAt)) return false;
    try {
      return this.#admit(entry, record, 'coordinator') === 'accepted';
    } catch {
      return false;
    }
  }

  #idleAfter(entry: Entry): number {
    return entry.lifetime > 0 ? entry.lifetime : DEFAULT_IDLE_AFTER;
  }

  /**
   * The last read on the `localNow()` scale: the full path notes it there; the hit path notes only
   * the wall clock, carried over at today's wall-to-monotonic difference.
   */
  #lastReadLocal(entry: Entry): number {
    const local = this.#clock.localNow();
    const viaWall = local - (this.#clock.wall() - entry.lastReadWall);
    return viaWall > entry.lastReadAt ? viaWall : entry.lastReadAt;
  }

  #isIdle(entry: Entry): boolean {
    return this.#clock.localNow() - this.#lastReadLocal(entry) >= this.#idleAfter(entry);
  }

  /** When (server clock) an entry that is not read again becomes idle. */
  #idleAt(entry: Entry): number {
    return this.#clock.toServerTime(this.#lastReadLocal(entry) + this.#idleAfter(entry));
  }

  #onDue(id: string): void {
    const entry = this.#cache.get(id);
    if (!entry || entry.flight) return;
    const now = this.#clock.now();
    const idle = this.#isIdle(entry);
    if (this.#cache.isServable(entry, now)) {
      if (idle || !this.isOnline()) this.#scheduler.plan(id, entry.cutoffAt);
      else if (now >= entry.refreshAt) this.#startFlight(entry, 'refresh');
      else this.#scheduler.plan(id, entry.refreshAt);
      return;
    }
    if (idle) {
      // Its pacer still holds a floor (a failure just now, a server's Retry-After): the entry stays
      // until that passes, or the next read would start with a new pacer and fetch at once.
      const pacedUntil = this.#pacers.get(id)?.nextAt ?? Number.NEGATIVE_INFINITY;
      if (pacedUntil > this.#clock.localNow()) {
        this.#scheduler.plan(id, this.#clock.toServerTime(pacedUntil));
        return;
      }
      this.#cache.delete(id);
      this.#pacers.delete(id);
      this.#events.emit({ type: 'evicted', key: entry.key });
      return;
    }
    // Read recently but its token is at the cutoff (a refresh that gave up, or a refresh point at
    // the cutoff): fetch ahead of the next read, which would otherwise have to wait.
    if (this.isOnline()) this.#startFlight(entry, entry.record ? 'expired' : 'cold');
    else this.#scheduler.plan(id, this.#idleAt(entry));
  }

  /** After a flight: the next proactive refresh, a check at the cutoff, or an idle check. */
  #planNext(entry: Entry): void {
    if (this.#destroyed || this.#cache.get(entry.id) !== entry) return;
    const now = this.#clock.now();
    if (this.#cache.isServable(entry, now)) {
      this.#scheduler.plan(entry.id, now < entry.refreshAt ? entry.refreshAt : entry.cutoffAt);
    } else {
      this.#scheduler.plan(entry.id, Math.max(now, this.#idleAt(entry)));
    }
  }

  #onNetworkChange(online: boolean): void {
    if (this.#destroyed) return;
    if (!online) {
      this.#events.emit({ type: 'offline' });
      for (const entry of this.#cache.values()) entry.flight?.networkLost();
      return;
    }
    this.#suspectOffline = false;
    this.#events.emit({ type: 'online' });
    this.#refreshStale();
  }

  /** Where the network cannot be observed, failures and successes stand in for its events. */
  #setSuspectOffline(suspect: boolean): void {
    if (suspect === this.#suspectOffline) return;
    this.#suspectOffline = suspect;
    if (this.#network.observable === false) this.#events.emit({ type: suspect ? 'offline' : 'online' });
  }

  #onWake(): void {
    if (this.#destroyed) return;
    this.#scheduler.runOverdue();
    this.#refreshStale();
  }

  /** Every key read recently whose token is due or gone gets a refresh now. */
  #refreshStale(): void {
    if (!this.#network.isOnline()) return;
    const now = this.#clock.now();
    for (const entry of [...this.#cache.values()]) {
      if (entry.flight) {
        entry.flight.wake();
        continue;
      }
      if (this.#isIdle(entry)) continue;
      const servable = this.#cache.isServable(entry, now);
      if (!servable || now >= entry.refreshAt) this.#startFlight(entry, servable ? 'refresh' : entry.record ? 'expired' : 'cold');
    }
  }

  #signOut(key: TokenKey): void {
    this.#signOutLocally('local', key);
    this.#tellCoordinator(() => this.#link?.invalidate());
  }

  #signOutLocally(origin: 'local' | 'remote', key?: TokenKey): void {
    if (this.#destroyed) return;
    this.#clearLocally(origin);
    this.#events.emit(key ? { type: 'signed-out', key } : { type: 'signed-out' });
  }

  #clearLocally(origin: 'local' | 'remote'): void {
    const flights: Flight[] = [];
    for (const entry of this.#cache.values()) if (entry.flight) flights.push(entry.flight);
    this.#cache.clear(this.#clock.now());
    this.#pacers.clear();
    this.#scheduler.clear();
    for (const flight of flights) flight.cancel();
    this.#events.emit({ type: 'cleared', origin });
  }

  #tellCoordinator(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#events.emit({ type: 'coordinator-degraded', error });
    }
  }
}

function noop(): void {}

/**
 * Creates a token client.
 *
 * @example
 * const client = createTokenClient({
 *   fetchToken: async ({ template, signal }) => {
 *     const res = await fetch(`/api/token?template=${template ?? ''}`, { signal, credentials: 'include' });
 *     if (res.status === 401) return null;
 *     if (!res.ok) throw Object.assign(new Error('token endpoint failed'), { status: res.status });
 *     return { token: (await res.json()).jwt, serverTime: Date.parse(res.headers.get('date') ?? '') };
 *   },
 * });
 * const token = await client.getToken(); // string, or null when signed out
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  return new TokenClientImpl(options);
}
