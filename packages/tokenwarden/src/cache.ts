import { InvalidTokenError } from './errors';
import { compareFreshness } from './jwt';
import type { TokenClaims, TokenKey } from './types';

/** Everything known about one key. Times are ms on the server-corrected clock. */
export interface CacheEntry<F = unknown> {
  readonly id: string;
  readonly key: TokenKey;
  token: string | undefined;
  claims: TokenClaims | undefined;
  expiresAt: number;
  refreshAt: number;
  /** From here on the token is never handed out: `exp - min(minValidity, refresh margin)`. */
  cutoffAt: number;
  /** Lifetime of the last token, ms: how long a key may go unread before it stops refreshing. */
  lifetime: number;
  acceptedAt: number;
  /** Bumped by every accepted token: tells a fetch whether someone delivered while it waited. */
  version: number;
  /** Local monotonic ms (`ServerClock.localNow`) of the last read: idleness must not jump with skew. */
  lastReadAt: number;
  flight: F | undefined;
}

/** `unchanged`: the very token already cached (nothing new to plan, share or announce). */
export type AcceptResult = 'accepted' | 'unchanged' | 'staler';

/**
 * Tokens per key, with the one door every token comes in through (`accept`). Monotonic: a token
 * staler than the cached one (by `iat`, then `exp`) is refused whatever order fetches resolve in.
 * `epoch` counts `clear()`s so a fetch started before one can tell its result is void.
 */
export class TokenCache<F = unknown> {
  readonly #entries = new Map<string, CacheEntry<F>>();
  readonly #minValidityMs: number;
  readonly #refreshMargin: (ttlSeconds: number) => number;
  #epoch = 0;
  #clearedAt = Number.NEGATIVE_INFINITY;

  constructor(options: { minValidity: number; refreshMargin: (ttlSeconds: number) => number }) {
    this.#minValidityMs = options.minValidity * 1000;
    this.#refreshMargin = options.refreshMargin;
  }

  get epoch(): number {
    return this.#epoch;
  }

  /** Server time of the last `clear()`; tokens issued before it are refused from other participants. */
  get clearedAt(): number {
    return this.#clearedAt;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): CacheEntry<F> | undefined {
    return this.#entries.get(id);
  }

  getOrCreate(id: string, key: TokenKey): CacheEntry<F> {
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = {
        id,
        key,
        token: undefined,
        claims: undefined,
        expiresAt: 0,
        refreshAt: 0,
        cutoffAt: 0,
        lifetime: 0,
        acceptedAt: Number.NEGATIVE_INFINITY,
        version: 0,
        lastReadAt: Number.NEGATIVE_INFINITY,
        flight: undefined,
      };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  delete(id: string): void {
    this.#entries.delete(id);
  }

  values(): IterableIterator<CacheEntry<F>> {
    return this.#entries.values();
  }

  /** True when the entry holds a token that is before its cutoff at `now`. */
  isServable(entry: CacheEntry<F>, now: number): boolean {
    return entry.token !== undefined && now < entry.cutoffAt;
  }

  /**
   * The one door. Refuses (throws) a token that is expired or already past its cutoff at `now`;
   * keeps the fresher of the cached and the offered token.
   *
   * The cutoff is `minValidity` before `exp`, shrunk to the refresh margin for tokens too short
   * for both (a 6 s token: margin 3 s, so it is served for 3 s and refreshed then, not served for
   * 1 s and fetched on every later read). From 10 s lifetimes up the cutoff is `minValidity`.
   */
  accept(entry: CacheEntry<F>, token: string, claims: TokenClaims, now: number): AcceptResult {
    const expiresAt = claims.exp * 1000;
    if (expiresAt <= now) throw new InvalidTokenError('expired', 'Token is already expired by the server clock');
    const ttl = claims.exp - claims.iat;
    const marginMs = this.#refreshMargin(ttl) * 1000;
    const cutoffAt = expiresAt - Math.min(this.#minValidityMs, marginMs);
    if (cutoffAt <= now) {
      throw new InvalidTokenError('too-short-lived', 'Token is already within minValidity of its expiry; it could never be served');
    }
    if (entry.claims && compareFreshness(claims, entry.claims) < 0) return 'staler';
    if (token === entry.token) return 'unchanged';
    entry.token = token;
    entry.claims = claims;
    entry.expiresAt = expiresAt;
    entry.cutoffAt = cutoffAt;
    entry.refreshAt = expiresAt - marginMs;
    entry.lifetime = ttl * 1000;
    entry.acceptedAt = now;
    entry.version++;
    return 'accepted';
  }

  clear(now: number): void {
    this.#epoch++;
    this.#clearedAt = now;
    this.#entries.clear();
  }
}
