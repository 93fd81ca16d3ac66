import { describe, expect, it } from 'vitest';
import { sharedDraw } from './sharedDraw';
import { TokenCache } from './cache';
import { keyId, toKey } from './keys';
import type { TokenKey } from './types';

function cache() {
  return new TokenCache({ minValidity: 5, refreshMargin: () => 17, maxDeliveredLifetime: 86_400_000, draw: () => 0.5, localNow: () => 0 });
}

const KEYS: TokenKey[] = [
  {},
  { template: 'a' },
  { template: 'a-b' },
  { template: 'a', organizationId: 'b' },
  { template: 'a', organizationId: null },
  { organizationId: null },
  { organizationId: 'b' },
  { audience: 'api' },
  { template: 'a', audience: 'api' },
  { template: 'a', organizationId: 'b', audience: 'api' },
  { template: 'a', organizationId: null, audience: 'api' },
];

const create = (tokens: TokenCache, key: TokenKey) => tokens.getOrCreate(keyId(toKey(key)), toKey(key));

describe('the key index behind the cache-hit path', () => {
  it('finds each key by its parts, and only its own entry', () => {
    const tokens = cache();
    const entries = KEYS.map((key) => create(tokens, key));
    expect(new Set(entries).size).toBe(KEYS.length);
    KEYS.forEach((key, i) => expect(tokens.find(key.template, key.organizationId, key.audience)).toBe(entries[i]));
    expect(tokens.defaultEntry).toBe(entries[0]);
  });

  it('parts of the wrong type, or parts never read, find nothing', () => {
    const tokens = cache();
    for (const key of KEYS) create(tokens, key);
    expect(tokens.find(1, undefined, undefined)).toBeUndefined();
    expect(tokens.find('a', 'b', 1)).toBeUndefined();
    expect(tokens.find('a', undefined, null)).toBeUndefined();
    expect(tokens.find('z', undefined, undefined)).toBeUndefined();
    expect(tokens.find('a', 'z', 'api')).toBeUndefined();
  });

  it('a deleted key is no longer found; the others still are', () => {
    const tokens = cache();
    const entries = KEYS.map((key) => create(tokens, key));
    KEYS.forEach((key, i) => {
      if (i % 2 === 0) tokens.delete(entries[i]?.id as string);
    });
    KEYS.forEach((key, i) => expect(tokens.find(key.template, key.organizationId, key.audience)).toBe(i % 2 === 0 ? undefined : entries[i]));
    expect(tokens.defaultEntry).toBeUndefined();
    expect(tokens.size).toBe(Math.floor(KEYS.length / 2));
    // Deleting twice, or a key never made, changes nothing.
    tokens.delete(entries[0]?.id as string);
    tokens.delete('nope');
    expect(tokens.size).toBe(Math.floor(KEYS.length / 2));
  });

  it('a key made again after its delete is a new entry, found in place of the old one', () => {
    const tokens = cache();
    const key = { template: 'a', organizationId: 'b', audience: 'api' };
    const first = create(tokens, key);
    create(tokens, { template: 'a', organizationId: 'b', audience: 'other' });
    tokens.delete(first.id);
    const second = create(tokens, key);
    expect(second).not.toBe(first);
    expect(tokens.find('a', 'b', 'api')).toBe(second);
    expect(tokens.find('a', 'b', 'other')).toBeDefined();
  });

  it('the entry found last is forgotten on its delete and on clear(), and never stands in for a key one part away', () => {
    const tokens = cache();
    const entries = KEYS.map((key) => create(tokens, key));
    // Each pair differs from the key found just before it in one part (undefined, null or a value).
    KEYS.forEach((key, i) => {
      expect(tokens.find(key.template, key.organizationId, key.audience)).toBe(entries[i]);
      for (const other of KEYS) {
        if (other !== key) expect(tokens.find(other.template, other.organizationId, other.audience)).not.toBe(entries[i]);
        expect(tokens.find(key.template, key.organizationId, key.audience)).toBe(entries[i]);
      }
    });
    const last = KEYS.length - 1;
    const lastKey = KEYS[last] as TokenKey;
    expect(tokens.find(lastKey.template, lastKey.organizationId, lastKey.audience)).toBe(entries[last]);
    tokens.delete(entries[last]?.id as string);
    expect(tokens.find(lastKey.template, lastKey.organizationId, lastKey.audience)).toBeUndefined();
    expect(tokens.find('a', undefined, undefined)).toBe(entries[1]);
    tokens.clear(0);
    expect(tokens.find('a', undefined, undefined)).toBeUndefined();
  });

  it('clear() empties the index', () => {
    const tokens = cache();
    for (const key of KEYS) create(tokens, key);
    tokens.clear(0);
    for (const key of KEYS) expect(tokens.find(key.template, key.organizationId, key.audience)).toBeUndefined();
    expect(tokens.defaultEntry).toBeUndefined();
    expect(tokens.size).toBe(0);
  });
});

/**
 * The one door, at its exact edges. Server clock known to ±1.5 s: late = L, early = L − 3 s.
 * minValidity 5 s, margin 17 s, delivered lifetime at most a day.
 */
describe('accept: the rules of the door, at their edges', () => {
  const L = 1_800_000_000_000;
  const now = { late: L, early: L - 3_000 };
  const exact = { late: L, early: L };
  const DAY = 86_400_000;
  let serial = 0;
  const record = (from: number, ttl: number, extra: Partial<{ notBefore: number; token: string }> = {}) => ({
    token: extra.token ?? `t${++serial}`,
    issuedAt: from,
    expiresAt: from + ttl,
    ...(extra.notBefore === undefined ? {} : { notBefore: extra.notBefore }),
  });
  const entry = (tokens = cache()) => ({ tokens, entry: create(tokens, { template: 'x' }) });
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return error as { reason: string; message: string; name: string };
    }
    throw new Error('accepted');
  };

  it('expiry must be after issue: equal is refused as bad-lifetime, with a message that says so', () => {
    const { tokens, entry: e } = entry();
    const error = refusal(() => tokens.accept(e, record(L + 60_000, 0), now, 'fetch'));
    expect(error).toMatchObject({ name: 'InvalidTokenError', reason: 'bad-lifetime' });
    expect(error.message).toMatch(/expiry is not after its issue time/);
  });

  it('expired means expiresAt at or before the late end', () => {
    const { tokens, entry: e } = entry();
    const error = refusal(() => tokens.accept(e, record(L - 60_000, 60_000), now, 'fetch'));
    expect(error).toMatchObject({ reason: 'expired' });
    expect(error.message).toMatch(/already expired by the server clock/);
  });

  it('nbf: at the late end is taken, a ms later is not; at early + 2 s is taken, a ms later is not', () => {
    const { tokens, entry: e } = entry();
    expect(tokens.accept(e, record(L, 60_000, { notBefore: L }), exact, 'fetch')).toBe('accepted');
    const late = refusal(() => tokens.accept(e, record(L, 60_000, { notBefore: L + 1 }), exact, 'fetch'));
    expect(late).toMatchObject({ reason: 'not-yet-valid' });
    expect(late.message).toMatch(/not valid yet by the server clock \(nbf\)/);
    // Bounds 3 s wide: nbf may lie 2 s past the early end, no more, even below the late end.
    expect(tokens.accept(e, record(L - 1_000, 60_000, { notBefore: L - 1_000 }), now, 'fetch')).toBe('accepted');
    expect(refusal(() => tokens.accept(e, record(L - 999, 60_000, { notBefore: L - 999 }), now, 'fetch'))).toMatchObject({ reason: 'not-yet-valid' });
  });

  it('iat: up to 5 s ahead of the late end is taken, a ms more is not', () => {
    const { tokens, entry: e } = entry();
    expect(tokens.accept(e, record(L + 5_000, 60_000), now, 'fetch')).toBe('accepted');
    const error = refusal(() => tokens.accept(e, record(L + 5_001, 60_000), now, 'fetch'));
    expect(error).toMatchObject({ reason: 'issued-in-future' });
    expect(error.message).toMatch(/issued in the future by the server clock \(iat\)/);
  });

  it('too short: a cutoff at the late end is refused, a ms after it is taken', () => {
    const { tokens, entry: e } = entry();
    const error = refusal(() => tokens.accept(e, record(L - 55_000, 60_000), now, 'fetch'));
    expect(error).toMatchObject({ reason: 'too-short-lived' });
    expect(error.message).toMatch(/no more than minValidity left/);
    expect(tokens.accept(e, record(L - 54_999, 60_000), now, 'fetch')).toBe('accepted');
    expect(e.cutoffAt).toBe(L + 1);
  });

  it('delivered: a lifetime of exactly maxTokenLifetime is taken, a ms more is not (by lifetime, and by time left)', () => {
    const { tokens, entry: e } = entry();
    expect(tokens.accept(e, record(L, DAY), now, 'coordinator')).toBe('accepted');
    const longer = refusal(() => tokens.accept(e, record(L, DAY + 1), now, 'coordinator'));
    expect(longer).toMatchObject({ reason: 'bad-lifetime' });
    expect(longer.message).toMatch(/beyond maxTokenLifetime/);
    // Issued in the past with a day to run from now: its lifetime is fine, its time left is not.
    expect(refusal(() => tokens.accept(e, { token: 'far', issuedAt: L - 1_000, expiresAt: L + DAY + 1 }, now, 'coordinator'))).toMatchObject({ reason: 'bad-lifetime' });
    // A lifetime beyond it is refused even with little time left.
    expect(refusal(() => tokens.accept(e, { token: 'old', issuedAt: L - 2 * DAY, expiresAt: L + 60_000 }, now, 'coordinator'))).toMatchObject({ reason: 'bad-lifetime' });
    // The same from this client's own fetch is taken: the bound is on what others deliver.
    expect(tokens.accept(entry().entry, record(L, DAY + 1), now, 'fetch')).toBe('accepted');
  });

  it('delivered: replaces the held token only if it expires later, or if the held one is at its cutoff', () => {
    const { tokens, entry: e } = entry();
    const held = record(L, 60_000);
    tokens.accept(e, held, now, 'fetch');
    expect(tokens.accept(e, record(L, 60_000), now, 'coordinator')).toBe('staler');
    expect(tokens.accept(e, { ...held }, now, 'coordinator')).toBe('unchanged');
    expect(e.token).toBe(held.token);
    expect(tokens.accept(e, record(L, 60_001), now, 'coordinator')).toBe('accepted');
    // At the held token's cutoff (late end), any servable delivery replaces it, even a shorter one.
    const atCutoff = { late: e.cutoffAt, early: e.cutoffAt };
    expect(tokens.accept(e, record(e.cutoffAt, 30_000), atCutoff, 'coordinator')).toBe('accepted');
  });

  it('own fetch: always replaces, even a token that expires sooner; the very same token is unchanged and bumps nothing', () => {
    const { tokens, entry: e } = entry();
    const held = record(L, 120_000);
    expect(tokens.accept(e, held, now, 'fetch')).toBe('accepted');
    const version = e.version;
    expect(tokens.accept(e, { ...held }, now, 'fetch')).toBe('unchanged');
    expect(e.version).toBe(version);
    const sooner = record(L, 60_000);
    expect(tokens.accept(e, sooner, now, 'fetch')).toBe('accepted');
    expect(e.token).toBe(sooner.token);
    expect(e.version).toBe(version + 1);
  });

  it('refresh point: expiry − margin on the early end, never after the cutoff; the margin is clamped to [0, ttl]', () => {
    const at = (margin: number, ttl: number, clock = now) => {
      const tokens = new TokenCache({ minValidity: 5, refreshMargin: () => margin, maxDeliveredLifetime: DAY, draw: () => 0.5, localNow: () => 0 });
      const e = create(tokens, {});
      tokens.accept(e, record(L, ttl), clock, 'fetch');
      return { refreshAt: e.refreshAt - L, cutoffAt: e.cutoffAt - L, margin: tokens.marginMs(ttl) };
    };
    // 60 s token, 17 s margin, bounds 3 s wide: 43 s + 3 s.
    expect(at(17, 60_000)).toEqual({ refreshAt: 46_000, cutoffAt: 55_000, margin: 17_000 });
    expect(at(17, 60_000, exact).refreshAt).toBe(43_000);
    // A margin under minValidity would refresh after the cutoff: the cutoff instead.
    expect(at(1, 60_000, exact)).toMatchObject({ refreshAt: 55_000, margin: 1_000 });
    // NaN, negative and zero margins count as 0; a margin beyond the lifetime counts as the lifetime.
    expect(at(Number.NaN, 60_000).margin).toBe(0);
    expect(at(-5, 60_000).margin).toBe(0);
    expect(at(0, 60_000).margin).toBe(0);
    expect(at(0.001, 60_000).margin).toBe(1);
    expect(at(120, 60_000).margin).toBe(60_000);
    expect(at(Number.POSITIVE_INFINITY, 60_000).margin).toBe(0);
  });

  it('isServable: up to a ms before the cutoff, not at it, and never without a token', () => {
    const { tokens, entry: e } = entry();
    expect(tokens.isServable(e, 0)).toBe(false);
    tokens.accept(e, record(L, 60_000), exact, 'fetch');
    expect(tokens.isServable(e, e.cutoffAt - 1)).toBe(true);
    expect(tokens.isServable(e, e.cutoffAt)).toBe(false);
  });

  it('clear() counts up the epoch and remembers when', () => {
    const tokens = cache();
    expect(tokens.epoch).toBe(0);
    tokens.clear(L);
    tokens.clear(L + 1);
    expect(tokens.epoch).toBe(2);
    expect(tokens.clearedAt).toBe(L + 1);
  });
});

describe('accept: the refresh point of a wave of first tokens', () => {
  const L = 1_800_000_000_000;
  const exact = (at: number) => ({ late: at, early: at });
  const record = (token: string, issuedAt: number, ttl = 60_000) => ({ token, issuedAt, expiresAt: issuedAt + ttl });
  // margin 17 s of 60 s: the usual point is 43 s after issue; half way is 21.5 s.
  // The local clock reads what the server clock reads in these tests (both exact).
  let localNow = L;
  const waveCache = (draw: () => number) =>
    new TokenCache({ minValidity: 5, refreshMargin: () => 17, maxDeliveredLifetime: 86_400_000, draw, localNow: () => localNow });
  const firsts = (tokens: TokenCache, n: number, issuedAt: number, now: number, prefix = 'k') =>
    Array.from({ length: n }, (_, i) => {
      localNow = now;
      const e = create(tokens, { template: `${prefix}${i}` });
      tokens.accept(e, record(`${prefix}${i}`, issuedAt), exact(now), 'fetch');
      return e.refreshAt - issuedAt;
    });

  it('the 64th first token within a second is drawn between half way and the usual point; the 63 before keep it', () => {
    const points = firsts(waveCache(() => 0), 66, L, L);
    expect(points.slice(0, 63)).toEqual(Array(63).fill(43_000));
    expect(points.slice(63)).toEqual([21_500, 21_500, 21_500]);
    const top = firsts(waveCache(() => 0.999_999), 64, L, L);
    expect(top[63]).toBeCloseTo(43_000, -1);
  });

  it('the window is one second: first tokens 1 001 ms apart start a new count', () => {
    const tokens = waveCache(() => 0);
    expect(firsts(tokens, 63, L, L, 'a')).toEqual(Array(63).fill(43_000));
    // At +1 000 ms still the same window: the 64th is spread.
    expect(firsts(tokens, 1, L + 1_000, L + 1_000, 'b')).toEqual([21_500]);
    expect(firsts(tokens, 1, L + 2_001, L + 2_001, 'c')).toEqual([43_000]);
  });

  it('a first token issued long ago is never planned before now; one already past its usual point keeps it', () => {
    const tokens = waveCache(() => 0);
    firsts(tokens, 63, L, L, 'a');
    // Issued 30 s ago: half way (21.5 s) is past, so the earliest is now (30 s).
    expect(firsts(tokens, 1, L - 30_000, L, 'b')).toEqual([30_000]);
    // Issued 50 s ago: the usual point (43 s) is already past; it is not pushed later to now.
    expect(firsts(tokens, 1, L - 50_000, L, 'c')).toEqual([43_000]);
  });

  it('a first token issued ahead of our clock (iat within the tolerance) is still spread from its own half way', () => {
    const tokens = waveCache(() => 0);
    firsts(tokens, 63, L, L, 'a');
    expect(firsts(tokens, 1, L + 4_000, L, 'b')).toEqual([21_500]);
  });

  it('every holder of a token plans the same point: a fleet of 8 refreshes each key once, spread as evenly as one', () => {
    // 8 instances get the same first tokens of 1 000 keys (from one fetch, through a coordinator),
    // each in its own order and up to a second apart. Drawn apart, the earliest of 8 draws would
    // refresh each key for all of them: 57 % of the keys in the first tenth of the spread.
    const keys = 1_000;
    const tokenOf = (i: number) => `eyJ.k${i}.${(i * 2_654_435_761 >>> 0).toString(36)}`;
    const unspread = new Set<number>();
    const fleet = Array.from({ length: 8 }, (_, n) => {
      const tokens = new TokenCache({ minValidity: 5, refreshMargin: () => 17, maxDeliveredLifetime: 86_400_000, draw: sharedDraw, localNow: () => localNow });
      const order = Array.from({ length: keys }, (_, i) => (i * ([1, 3, 7, 9, 11, 13, 17, 19][n] as number) + n * 37) % keys);
      // The first 63 first tokens of a window keep the usual point: which keys those are differs.
      for (const i of order.slice(0, 63)) unspread.add(i);
      const points = new Map<number, number>();
      for (const i of order) {
        localNow = L + n * 120 + i / 2;
        const e = create(tokens, { template: `k${i}` });
        tokens.accept(e, record(tokenOf(i), L), exact(localNow), n === 0 ? 'fetch' : 'coordinator');
        points.set(i, e.refreshAt - L);
      }
      return points;
    });
    const spreadKeys = Array.from({ length: keys }, (_, i) => i).filter((i) => !unspread.has(i));
    expect(spreadKeys.length).toBeGreaterThan(500);
    for (const i of spreadKeys) {
      for (const points of fleet) expect(points.get(i)).toBe(fleet[0]?.get(i));
    }
    // The fleet refreshes each key at its earliest point: spread between half way (21.5 s) and the
    // usual point (43 s) as evenly as one instance's would be.
    const spread = spreadKeys.map((i) => Math.min(...fleet.map((points) => points.get(i) as number)));
    const firstTenth = spread.filter((point) => point < 21_500 + 2_150).length / spread.length;
    expect(firstTenth).toBeGreaterThan(0.05);
    expect(firstTenth).toBeLessThan(0.15);
  });

  it('only first tokens: a key\'s next token keeps the usual point, and the window counts first tokens only', () => {
    const tokens = waveCache(() => 0);
    const entries = Array.from({ length: 70 }, (_, i) => create(tokens, { template: `k${i}` }));
    localNow = L;
    entries.forEach((e, i) => tokens.accept(e, record(`k${i}`, L), exact(L), 'fetch'));
    // Seconds later, every key's next token, then one new key: it is not the 64th first of its window.
    entries.forEach((e, i) => {
      localNow = L + 2_000;
      tokens.accept(e, record(`k${i}-2`, L + 2_000), exact(L + 2_000), 'fetch');
      expect(e.refreshAt - (L + 2_000)).toBe(43_000);
    });
    expect(firsts(tokens, 1, L + 2_000, L + 2_000, 'new')).toEqual([43_000]);
  });
});
