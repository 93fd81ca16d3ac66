import { InvalidTokenError } from './errors';
import type { TokenClaims } from './types';

const BASE64URL = /^[\w-]+$/;

function decodeSegment(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  // Stryker disable next-line StringLiteral: the '=' padding is optional: atob decodes forgiving-base64 (WHATWG; Node, browsers, workerd), which takes unpadded input and refuses a length of 1 mod 4 either way
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/** Whether `token` has the shape of a JWT (three base64url segments, the last may be empty). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((part, i) => (i === 2 && part === '') || BASE64URL.test(part));
}

function checkTime(name: 'iat' | 'exp' | 'nbf', value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new InvalidTokenError('missing-claims', `Token ${name} claim is not a finite number`);
  }
}

/**
 * Reads a JWT's payload without verifying the signature: the token came from our own token
 * endpoint over TLS, and the resource server verifies it. Checks the time claims it finds (`iat`,
 * `exp`, `nbf` are finite numbers, `exp` after `iat`); whether there is an expiry at all is the
 * caller's business (a source may give one beside the token). Errors never include the token or
 * any of its text, not even in `cause`.
 *
 * @example
 * const { sub, exp } = decodeJwt(token); // for display; throws InvalidTokenError if unreadable
 */
export function decodeJwt(token: unknown): TokenClaims {
  if (typeof token !== 'string') {
    throw new InvalidTokenError('not-a-jwt', `Expected a JWT string, got ${token === null ? 'null' : typeof token}`);
  }
  if (!looksLikeJwt(token)) {
    throw new InvalidTokenError('not-a-jwt', 'Token is not a JWT (expected three base64url segments)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decodeSegment(token.split('.')[1] as string));
  } catch {
    // No cause: a JSON parser's message quotes the text it choked on, which is token material.
    throw new InvalidTokenError('bad-json', 'Token payload is not valid base64url JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidTokenError('bad-json', 'Token payload is not a JSON object');
  }
  const { iat, exp, nbf } = payload as { iat?: unknown; exp?: unknown; nbf?: unknown };
  checkTime('iat', iat);
  checkTime('exp', exp);
  checkTime('nbf', nbf);
  if (typeof iat === 'number' && typeof exp === 'number' && exp <= iat) {
    throw new InvalidTokenError('bad-lifetime', 'Token exp is not after its iat');
  }
  return payload as TokenClaims;
}

/** Freshness order of two JWTs' claims: later `iat` wins, then later `exp`. Positive when `a` is fresher. */
export function compareFreshness(a: TokenClaims, b: TokenClaims): number {
  return (a.iat ?? 0) - (b.iat ?? 0) || (a.exp ?? 0) - (b.exp ?? 0);
}
