import { describe, expect, it } from 'vitest';
import { roundTrip, seededRandom, uniformInt } from './random';

describe('seededRandom', () => {
  it('repeats its sequence for a seed, differs between seeds, and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(first);
    for (const value of first) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    // Roughly uniform: each tenth of the range gets its share (1000 draws, ~100 each).
    const deciles = new Array<number>(10).fill(0);
    for (const value of first) deciles[Math.floor(value * 10)]!++;
    for (const count of deciles) expect(count).toBeGreaterThan(60);
  });

  it('first draws of nearby seeds are spread out (one generator per session, seeds differing in their low bits)', () => {
    const deciles = new Array<number>(10).fill(0);
    for (let seed = 1; seed <= 200; seed++) deciles[Math.floor(seededRandom(0x1b873593 ^ seed)() * 10)]!++;
    for (const count of deciles) expect(count).toBeGreaterThan(8);
  });

  it('seed 0 still moves (xorshift would stay at 0)', () => {
    const random = seededRandom(0);
    expect(new Set([random(), random(), random()]).size).toBe(3);
  });
});

describe('uniformInt and roundTrip', () => {
  it('draws whole numbers with both ends reachable', () => {
    const random = seededRandom(7);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(uniformInt(random, 3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });

  it('splits a round trip in the range between the two ways, in whole ms', () => {
    const random = seededRandom(9);
    const totals = new Set<number>();
    let allOut = false;
    let allBack = false;
    for (let i = 0; i < 5000; i++) {
      const { toServer, toClient } = roundTrip(random, 20, 60);
      const total = toServer + toClient;
      expect(Number.isInteger(toServer) && Number.isInteger(toClient)).toBe(true);
      expect(toServer).toBeGreaterThanOrEqual(0);
      expect(toClient).toBeGreaterThanOrEqual(0);
      expect(total).toBeGreaterThanOrEqual(20);
      expect(total).toBeLessThanOrEqual(60);
      totals.add(total);
      allOut ||= toClient === 0;
      allBack ||= toServer === 0;
    }
    expect(totals.size).toBe(41);
    expect(allOut && allBack).toBe(true);
  });
});
