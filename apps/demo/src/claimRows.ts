import type { TokenClaims } from 'tokenwarden';
import { clockTime } from './format';

export interface ClaimRow {
  name: string;
  value: string;
  /** A reading aid, e.g. the local time of a timestamp claim. */
  note: string | undefined;
}

/** Registered and session claims first, in the order people look for them; the rest by name. */
const ORDER = ['sub', 'sid', 'org_id', 'iss', 'azp', 'aud', 'iat', 'nbf', 'exp', 'jti'];
const TIMES = new Set(['iat', 'nbf', 'exp', 'auth_time']);

/**
 * The decoded payload as rows. The page only ever has claims (from the engine's snapshot), never
 * the token, so there is no header or signature to show by mistake.
 */
export function claimRows(claims: TokenClaims): ClaimRow[] {
  const names = Object.keys(claims).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((name) => {
    const value = claims[name];
    const note = TIMES.has(name) && typeof value === 'number' ? clockTime(value * 1000, false) : undefined;
    return { name, value: typeof value === 'string' ? value : JSON.stringify(value), note };
  });
}

function rank(name: string): number {
  const index = ORDER.indexOf(name);
  return index === -1 ? ORDER.length : index;
}
