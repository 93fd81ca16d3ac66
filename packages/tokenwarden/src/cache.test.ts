import { describe, expect, it } from 'vitest';
import { TokenCache } from './cache';
import { keyId, toKey } from './keys';
import type { TokenKey } from './types';

function cache() {
  return new TokenCache({ minValidity: 5, refreshMargin: () => 17, maxDeliveredLifetime: 86_400_000 });
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

  it('clear() empties the index', () => {
    const tokens = cache();
    for (const key of KEYS) create(tokens, key);
    tokens.clear(0);
    for (const key of KEYS) expect(tokens.find(key.template, key.organizationId, key.audience)).toBeUndefined();
    expect(tokens.defaultEntry).toBeUndefined();
    expect(tokens.size).toBe(0);
  });
});
