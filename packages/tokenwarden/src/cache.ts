import { InvalidTokenError } from './errors';
import type { TokenKey, TokenRecord } from './types';

/** Everything known about one key. Times are ms on the server's clock (late end). */
export interface CacheEntry<F = unknown> {
  readonly id: string;
  readonly key: TokenKey;
  /** `record.token`, kept beside it for the cache-hit path. */
  token: string | undefined;
  record: TokenRecord | undefined;
  refreshAt: number;
  /** From here on the token is never handed out: exactly `minValidity` before its expiry. */
  cutoffAt: number;
  /** Lifetime of the last token, ms: how long a key may go unread before it stops refreshing. */
  lifetime: number;
  /** Bumped by every accepted token: tells a fetch whether someone delivered while it waited. */
  version: number;
  /** `version` when a caller last forced a refresh: a token it already could see cannot answer it. */
  forcedAt: number;
  /** Local monotonic ms (`ServerClock.localNow`) of the last read that took the full path: idleness must not jump with skew. */
  lastReadAt: number;
  /** Local wall-clock ms of the last read, however it was served (the cache-hit path reads no other clock). */
  lastReadWall: number;
  /**
   * Local wall-clock ms (`ServerClock.wallAt`) before which a read may be answered with `token`
   * without reading any other clock: before the refresh point and before the entry's next planned
   * check. Withdrawn by any new token, any planned check firing, and any change of the clock's
   * `generation` (kept in `hitGeneration`).
   */
  hitUntilWall: number;
  hitGeneration: number;
  flight: F | undefined;
}

/** Key parts to entry, for keys with an organization or audience: no string is built per read. */
type KeyIndex<F> = Map<string | undefined, Map<string | null | undefined, Map<string | undefined, CacheEntry<F>>>>;

/** `unchanged`: the very token already cached (nothing new to plan, share or announce). */
export type AcceptResult = 'accepted' | 'unchanged' | 'staler';

/** Where a token comes from: this client's own fetch, or another participant (tab, process). */
export type TokenOrigin = 'fetch' | 'coordinator';

/** The server's clock as an interval: `late` is the latest it can be, `early` the earliest. */
export interface ServerNow {
  late: number;
  early: number;
}

/** How far in the future an `iat` may lie (issuer nodes a little ahead, whole-second claims). */
export const FUTURE_IAT_TOLERANCE = 5_000;
/** How far past the earliest the server's clock can read an `nbf` may lie: whole-second readings. */
export const NBF_TOLERANCE = 2_000;

export interface TokenCacheOptions {
  minValidity: number;
  refreshMargin: (ttlSeconds: number) => number;
  /** Longest lifetime (ms) a token from another participant may claim. */
  maxDeliveredLifetime: number;
  /**
   * A fraction in [0, 1) for a first token's refresh point in a wave, from its key's id and the
   * token: the same for every participant holding that token (see {@link sharedDraw}).
   */
  draw: (id: string, token: string) => number;
  /**
   * The local monotonic clock, ms, which times the wave window: the server clock's bounds move as
   * they narrow, and would stretch or shrink the window.
   */
  localNow: () => number;
}

/** A refresh wave: this many keys getting their first token within {@link WAVE_WINDOW} ms. */
export const WAVE_MIN = 64;
export const WAVE_WINDOW = 1_000;

/**
 * Tokens per key, with the one door every token comes in through (`accept`). A token is judged
 * against the server's clock whatever its origin: not expired, not before its `nbf`, `iat` not
 * beyond {@link FUTURE_IAT_TOLERANCE} in the future, more than `minValidity` left. Which token wins:
 * one this client just fetched always replaces the one it holds (a server whose clock stepped back,
 * or a cached token from a skewed issuer, can never pin the cache); one from another participant
 * only when it lasts longer, and only within `maxDeliveredLifetime`. `epoch` counts `clear()`s so a
 * fetch started before one can tell its result is void.
 */
export class TokenCache<F = unknown> {
  readonly #entries = new Map<string, CacheEntry<F>>();
  readonly #index: KeyIndex<F> = new Map();
  /** Keys with a template and nothing else (the common keyed read): one lookup instead of three. */
  readonly #byTemplate = new Map<string, CacheEntry<F>>();
  #default: CacheEntry<F> | undefined;
  /** The entry `find` returned last: an app reads the same key again and again, and comparing its three parts is cheaper than hashing them. */
  #lastFound: CacheEntry<F> | undefined;
  readonly #minValidityMs: number;
  readonly #refreshMargin: (ttlSeconds: number) => number;
  readonly #maxDeliveredLifetime: number;
  readonly #draw: (id: string, token: string) => number;
  readonly #localNow: () => number;
  /** First tokens accepted in the current wave window (see `#firstRefreshAt`). */
  #waveFirsts = 0;
  #waveStartedAt = Number.NEGATIVE_INFINITY;
  #epoch = 0;
  #clearedAt = Number.NEGATIVE_INFINITY;

  constructor(options: TokenCacheOptions) {
    this.#minValidityMs = options.minValidity * 1000;
    this.#refreshMargin = options.refreshMargin;
    this.#maxDeliveredLifetime = options.maxDeliveredLifetime;
    this.#draw = options.draw;
    this.#localNow = options.localNow;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Server time (late end) of the last `clear()`; tokens issued before it are refused from other participants. */
  get clearedAt(): number {
    return this.#clearedAt;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): CacheEntry<F> | undefined {
    return this.#entries.get(id);
  }

  /** The entry of the default key (`getToken()` without options), if there is one. */
  get defaultEntry(): CacheEntry<F> | undefined {
    return this.#default;
  }

  /**
   * The entry whose key has exactly these parts, if there is one. Map lookups compare by
   * SameValueZero, so parts of the wrong type never find an entry (every stored key was checked).
   */
  find(template: unknown, organizationId: unknown, audience: unknown): CacheEntry<F> | undefined {
    const last = this.#lastFound;
    if (last !== undefined) {
      const key = last.key;
      if (key.template === template && key.organizationId === organizationId && key.audience === audience) return last;
    }
    let found: CacheEntry<F> | undefined;
    if (organizationId === undefined && audience === undefined) {
      found = template === undefined ? this.#default : this.#byTemplate.get(template as string);
    } else {
      found = this.#index
        .get(template as string | undefined)
        ?.get(organizationId as string | null | undefined)
        ?.get(audience as string | undefined);
    }
    this.#lastFound = found;
    return found;
  }

  getOrCreate(id: string, key: TokenKey): CacheEntry<F> {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = {
        id,
        key,
        token: undefined,
        record: undefined,
        refreshAt: 0,
        cutoffAt: 0,
        lifetime: 0,
        version: 0,
        forcedAt: -1,
        lastReadAt: Number.NEGATIVE_INFINITY,
        lastReadWall: Number.NEGATIVE_INFINITY,
        hitUntilWall: Number.NEGATIVE_INFINITY,
        hitGeneration: 0,
        flight: undefined,
      };
      this.#entries.set(id, entry);
      if (key.organizationId === undefined && key.audience === undefined) {
        if (key.template === undefined) this.#default = entry;
        else this.#byTemplate.set(key.template, entry);
      } else {
        let byOrganization = this.#index.get(key.template);
        if (!byOrganization) this.#index.set(key.template, (byOrganization = new Map()));
        let byAudience = byOrganization.get(key.organizationId);
        if (!byAudience) byOrganization.set(key.organizationId, (byAudience = new Map()));
        byAudience.set(key.audience, entry);
      }
    }
    return entry;
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    if (this.#lastFound === entry) this.#lastFound = undefined;
    const { template, organizationId, audience } = entry.key;
    if (organizationId === undefined && audience === undefined) {
      if (template === undefined) this.#default = undefined;
      else this.#byTemplate.delete(template);
      return;
    }
    // Both maps exist: the entry was indexed when it was made.
    const byOrganization = this.#index.get(template) as NonNullable<ReturnType<KeyIndex<F>['get']>>;
    const byAudience = byOrganization.get(organizationId) as Map<string | undefined, CacheEntry<F>>;
    byAudience.delete(audience);
    if (byAudience.size === 0) byOrganization.delete(organizationId);
    if (byOrganization.size === 0) this.#index.delete(template);
  }

  values(): IterableIterator<CacheEntry<F>> {
    return this.#entries.values();
  }

  /** True when the entry holds a token that is before its cutoff at `now` (late end). */
  isServable(entry: CacheEntry<F>, now: number): boolean {
    // The cutoff is 0 until a token is held.
    return now < entry.cutoffAt;
  }

  /** Seconds before expiry at which a token of this lifetime is refreshed, clamped to the lifetime. */
  marginMs(ttlMs: number): number {
    const margin = this.#refreshMargin(ttlMs / 1000) * 1000;
    // Stryker disable next-line EqualityOperator: a margin of exactly 0 gives 0 either way (ttlMs > 0: the door refuses other lifetimes)
    if (!Number.isFinite(margin) || margin <= 0) return 0;
    // Stryker disable next-line EqualityOperator: on equal values both branches are the same number
    return margin < ttlMs ? margin : ttlMs;
  }

  /**
   * The one door. Throws `InvalidTokenError` for a token that could not be served (nothing is
   * cached, the held token is kept); otherwise keeps the winner by the rules above.
   */
  accept(entry: CacheEntry<F>, record: TokenRecord, now: ServerNow, origin: TokenOrigin): AcceptResult {
    const { expiresAt, issuedAt, notBefore } = record;
    if (!(expiresAt > issuedAt)) throw new InvalidTokenError('bad-lifetime', 'Token expiry is not after its issue time');
    if (expiresAt <= now.late) throw new InvalidTokenError('expired', 'Token is already expired by the server clock');
    // A token that may already be valid is taken (a tab whose clock bounds are a second wide must
    // still adopt one minted this second with nbf = iat), within NBF_TOLERANCE of the early end (a
    // wall clock stepped forward widens the bounds, and must not let a token from later in).
    if (notBefore !== undefined && (notBefore > now.late || notBefore > now.early + NBF_TOLERANCE)) {
      throw new InvalidTokenError('not-yet-valid', 'Token is not valid yet by the server clock (nbf)');
    }
    if (issuedAt > now.late + FUTURE_IAT_TOLERANCE) {
      throw new InvalidTokenError('issued-in-future', 'Token claims to be issued in the future by the server clock (iat)');
    }
    const cutoffAt = expiresAt - this.#minValidityMs;
    if (cutoffAt <= now.late) {
      throw new InvalidTokenError('too-short-lived', 'Token has no more than minValidity left; it could never be served');
    }
    if (origin === 'coordinator') {
      if (expiresAt - issuedAt > this.#maxDeliveredLifetime || expiresAt - now.late > this.#maxDeliveredLifetime) {
        throw new InvalidTokenError('bad-lifetime', 'Delivered token claims a lifetime beyond maxTokenLifetime');
      }
      // A cutoff still ahead means a record is held: the two are only ever set together.
      if (now.late < entry.cutoffAt && expiresAt <= (entry.record as TokenRecord).expiresAt) {
        return record.token === entry.token ? 'unchanged' : 'staler';
      }
    }
    if (record.token === entry.token) return 'unchanged';
    const ttl = expiresAt - issuedAt;
    // The refresh point is an optimisation, timed on the server clock's early end (shifted onto
    // the late scale everything is compared on), so clock uncertainty does not pull it earlier;
    // the cutoff is the guarantee and stays on the late end.
    let refreshAt = expiresAt - this.marginMs(ttl) + (now.late - now.early);
    // The refresh point is never after the cutoff, whatever the margin.
    // Stryker disable next-line EqualityOperator: on equal values both branches are the same number
    if (refreshAt > cutoffAt) refreshAt = cutoffAt;
    if (entry.record === undefined) refreshAt = this.#firstRefreshAt(entry.id, record.token, issuedAt, refreshAt, now.late);
    entry.token = record.token;
    entry.record = record;
    entry.cutoffAt = cutoffAt;
    entry.refreshAt = refreshAt;
    entry.lifetime = ttl;
    entry.version++;
    // A new token has its own refresh point, which the caller plans: reads take the full path until then.
    entry.hitUntilWall = Number.NEGATIVE_INFINITY;
    return 'accepted';
  }

  /**
   * Keys that get their first token together (a server warming thousands of keys, a fleet's cold
   * start) would otherwise refresh together every lifetime after, and the token endpoint and a
   * coordinator would take the whole wave within seconds, each cycle. From the {@link WAVE_MIN}th
   * first token within {@link WAVE_WINDOW} ms, a first token's refresh point is drawn uniformly
   * between half its way from issue (not before now) and the usual point: the wave dissolves in its
   * first cycle, at the cost of one earlier refresh per key; later tokens keep the usual point. The
   * draw comes from the token, so every tab or instance holding it plans the same point: drawn
   * apart, the earliest of them would refresh for all, and a fleet's wave would bunch at the start.
   */
  #firstRefreshAt(id: string, token: string, issuedAt: number, usual: number, now: number): number {
    const local = this.#localNow();
    if (local - this.#waveStartedAt > WAVE_WINDOW) {
      this.#waveStartedAt = local;
      this.#waveFirsts = 0;
    }
    if (++this.#waveFirsts < WAVE_MIN) return usual;
    const earliest = Math.max(now, issuedAt + (usual - issuedAt) / 2);
    // A token already inside its refresh window (or issued ahead of our clock) keeps its point.
    return earliest < usual ? earliest + this.#draw(id, token) * (usual - earliest) : usual;
  }

  clear(clearedAt: number): void {
    this.#epoch++;
    this.#clearedAt = clearedAt;
    this.#entries.clear();
    this.#index.clear();
    this.#byTemplate.clear();
    this.#default = undefined;
    this.#lastFound = undefined;
  }
}
