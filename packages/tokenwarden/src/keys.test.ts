import { describe, expect, it } from 'vitest';
import { isTokenKey, keyId, toKey } from './keys';

describe('keys', () => {
  it('serialises structurally: no two different keys share an id', () => {
    const keys = [
      {},
      { template: 'a-b' },
      { template: 'a', organizationId: 'b' },
      { template: 'a', audience: 'b' },
      { organizationId: null },
      { organizationId: 'null' },
      { template: '"},"o":"x' },
      { template: 'a', organizationId: 'b', audience: 'c' },
    ];
    expect(new Set(keys.map(keyId)).size).toBe(keys.length);
  });

  it('toKey keeps only key fields and is stable under field order', () => {
    expect(keyId(toKey({ audience: 'x', template: 't', skipCache: true } as never))).toBe(keyId({ template: 't', audience: 'x' }));
  });

  it('isTokenKey accepts only the exact shape', () => {
    expect(isTokenKey({})).toBe(true);
    expect(isTokenKey({ template: 't', organizationId: null, audience: 'a' })).toBe(true);
    for (const bad of [null, [], 'x', { template: 1 }, { organizationId: 3 }, { other: 'x' }, { audience: null }]) {
      expect(isTokenKey(bad)).toBe(false);
    }
  });
});
