import type { TokenKey } from './types';

/**
 * Cache identity of a key. Serialised as JSON of a fixed-order object, so `{ template: 'a-b' }`
 * and `{ template: 'a', organizationId: 'b' }` can never collide, and `organizationId: null`
 * (personal workspace) stays distinct from `undefined` (the source's default).
 */
export function keyId(key: TokenKey): string {
  return JSON.stringify({ t: key.template, o: key.organizationId, a: key.audience });
}

export const DEFAULT_KEY: TokenKey = Object.freeze({});
export const DEFAULT_KEY_ID = keyId(DEFAULT_KEY);

function checkPart(name: string, value: unknown, allowNull: boolean): void {
  if (value === undefined || typeof value === 'string' || (allowNull && value === null)) return;
  throw new TypeError(`tokenwarden: ${name} must be a string${allowNull ? ' or null' : ''}, got ${typeof value}`);
}

/** Picks the key fields out of caller options (ignoring `skipCache` and friends) and checks their types. */
export function toKey(options: TokenKey): TokenKey {
  checkPart('template', options.template, false);
  checkPart('organizationId', options.organizationId, true);
  checkPart('audience', options.audience, false);
  const key: TokenKey = {};
  if (options.template !== undefined) key.template = options.template;
  if (options.organizationId !== undefined) key.organizationId = options.organizationId;
  if (options.audience !== undefined) key.audience = options.audience;
  return key;
}

/** Whether a value received from outside (another tab, Redis) has exactly the shape of a key. */
export function isTokenKey(value: unknown): value is TokenKey {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const [name, part] of Object.entries(value)) {
    if (name === 'organizationId') {
      if (part !== null && typeof part !== 'string') return false;
    } else if (name === 'template' || name === 'audience') {
      if (typeof part !== 'string') return false;
    } else {
      return false;
    }
  }
  return true;
}
