import { describe, expect, it } from 'vitest';
import { sharedDraw } from './sharedDraw';

// JWT-like: one issuer's tokens share their header and most claims, and differ in a few claim
// characters and the signature at the end.
const jwtLike = (i: number) => `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJrJHtpfSIsImlhdCI6MTgwMDAwMDAwMH0.${(i * 2_654_435_761 >>> 0).toString(36)}`;

function buckets(draws: number[], n = 10): number[] {
  const counts = Array<number>(n).fill(0);
  for (const d of draws) counts[Math.floor(d * n)]! += 1;
  return counts;
}

describe('sharedDraw: one fraction per key and token, the same for every holder', () => {
  it('is a pure function of the key and the token, within [0, 1)', () => {
    expect(sharedDraw('k1', 'tok')).toBe(sharedDraw('k1', 'tok'));
    expect(sharedDraw('k1', 'tok')).not.toBe(sharedDraw('k2', 'tok'));
    expect(sharedDraw('k1', 'tok')).not.toBe(sharedDraw('k1', 'tol'));
    // The separator keeps ('ab', 'c') and ('a', 'bc') apart.
    expect(sharedDraw('ab', 'c')).not.toBe(sharedDraw('a', 'bc'));
    for (const token of ['', 'x', jwtLike(1), 'y'.repeat(5_000)]) {
      const d = sharedDraw('', token);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(1);
    }
  });

  it('gives the values it gave when it shipped: instances of two versions in one fleet (a rolling deploy) must agree', () => {
    // A change here changes every fleet's spread points until all its instances run the new version.
    expect(sharedDraw('{"t":"k0"}', 'eyJ.a.b')).toBe(0.7052691061981022);
    expect(sharedDraw('', '')).toBe(0.13482068409211934);
  });

  it('spreads tokens that differ only in their last characters evenly (10 000 draws, 10 bins)', () => {
    const counts = buckets(Array.from({ length: 10_000 }, (_, i) => sharedDraw('k', jwtLike(i))));
    for (const count of counts) expect(count).toBeGreaterThan(880);
    for (const count of counts) expect(count).toBeLessThan(1_120);
  });

  it('spreads one token under many keys evenly too (a provider that reuses a token across audiences)', () => {
    const counts = buckets(Array.from({ length: 10_000 }, (_, i) => sharedDraw(`k${i}`, 'same-token')));
    for (const count of counts) expect(count).toBeGreaterThan(880);
    for (const count of counts) expect(count).toBeLessThan(1_120);
  });

  it('tokens one character apart at the very end land far apart (the high bits are mixed)', () => {
    const draws = Array.from({ length: 64 }, (_, i) => sharedDraw('k', `prefix.${String.fromCharCode(48 + i)}`));
    expect(Math.max(...draws) - Math.min(...draws)).toBeGreaterThan(0.8);
    expect(buckets(draws, 4).every((count) => count >= 8)).toBe(true);
  });
});
