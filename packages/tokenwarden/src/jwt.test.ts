import { describe, expect, it } from 'vitest';
import { makeJwt } from '../test/helpers';
import { compareFreshness, decodeJwt } from './jwt';

describe('decodeJwt', () => {
  it('reads claims including non-ASCII text', () => {
    const claims = decodeJwt(makeJwt({ iat: 10, exp: 70, name: 'Zoë ✓', org_id: 'org_1' }));
    expect(claims).toMatchObject({ iat: 10, exp: 70, name: 'Zoë ✓', org_id: 'org_1' });
  });

  it('accepts an unsigned token (empty signature segment)', () => {
    const [header, payload] = makeJwt({ iat: 1, exp: 2 }).split('.');
    expect(decodeJwt(`${header}.${payload}.`).exp).toBe(2);
  });

  it('rejects non-strings without echoing them', () => {
    expect(() => decodeJwt(undefined)).toThrow(/got undefined/);
    expect(() => decodeJwt(null)).toThrow(/got null/);
  });
});

describe('compareFreshness', () => {
  it('orders by iat, then exp', () => {
    expect(compareFreshness({ iat: 2, exp: 3 }, { iat: 1, exp: 100 })).toBeGreaterThan(0);
    expect(compareFreshness({ iat: 1, exp: 50 }, { iat: 1, exp: 60 })).toBeLessThan(0);
    expect(compareFreshness({ iat: 1, exp: 60 }, { iat: 1, exp: 60 })).toBe(0);
  });
});
