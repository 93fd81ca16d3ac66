import { describe, expect, it } from 'vitest';
import { isTokenKey, toKey } from './keys';

describe('toKey checks the type of each key part', () => {
  it.each([
    [{ template: null }, 'tokenwarden: template must be a string, got object'],
    [{ template: 5 }, 'tokenwarden: template must be a string, got number'],
    [{ audience: null }, 'tokenwarden: audience must be a string, got object'],
    [{ audience: true }, 'tokenwarden: audience must be a string, got boolean'],
    [{ organizationId: 5 }, 'tokenwarden: organizationId must be a string or null, got number'],
    [{ organizationId: {} }, 'tokenwarden: organizationId must be a string or null, got object'],
  ])('%j throws a TypeError naming the part', (options, message) => {
    expect(() => toKey(options as never)).toThrow(new TypeError(message));
  });

  it('null is a valid organizationId only (the personal workspace), kept distinct from absent', () => {
    expect(toKey({ organizationId: null })).toEqual({ organizationId: null });
    expect(toKey({ template: 't', organizationId: 'org_1', audience: 'api' })).toEqual({ template: 't', organizationId: 'org_1', audience: 'api' });
    expect(toKey({})).toEqual({});
  });
});

describe('isTokenKey accepts exactly the shape of a key', () => {
  it('string parts, and a null organizationId', () => {
    expect(isTokenKey({ organizationId: 'org_1' })).toBe(true);
    expect(isTokenKey({ template: 't', organizationId: 'org_1', audience: 'api' })).toBe(true);
    expect(isTokenKey({ organizationId: null })).toBe(true);
  });

  it('nothing else', () => {
    for (const bad of [{ organizationId: undefined }, { template: null }, { audience: 1 }, { organizationId: 1 }]) expect(isTokenKey(bad)).toBe(false);
  });
});
