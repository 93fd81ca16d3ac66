import { InvalidTokenError } from './errors';
import type { TokenClaims } from './types';

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function decodeSegment(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

/**
 * Reads a JWT's payload without verifying the signature: the token came from our own token
 * endpoint over TLS, and the resource server verifies it. Checks only what expiry logic relies on.
 * Errors never include the token.
 *
 * @example
 * const { sub, exp } = decodeJwt(token); // for display; throws InvalidTokenError if unusable
 */
export function decodeJwt(token: unknown): TokenClaims {
  if (typeof token !== 'string') {
    throw new InvalidTokenError('not-a-jwt', `Expected a JWT string, got ${token === null ? 'null' : typeof token}`);
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part, i) => (i === 2 && part === '') || BASE64URL.test(part))) {
    throw new InvalidTokenError('not-a-jwt', 'Token is not a JWT (expected three base64url segments)');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(decodeSegment(parts[1] as string));
  } catch (cause) {
    throw new InvalidTokenError('bad-json', 'Token payload is not valid base64url JSON', { cause });
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InvalidTokenError('bad-json', 'Token payload is not a JSON object');
  }
  const { iat, exp } = payload as { iat?: unknown; exp?: unknown };
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) {
    throw new InvalidTokenError('missing-claims', 'Token has no numeric iat and exp claims');
  }
  if (exp <= iat) {
    throw new InvalidTokenError('bad-lifetime', `Token exp (${exp}) is not after iat (${iat})`);
  }
  return payload as TokenClaims;
}

/** Freshness order: later `iat` wins, then later `exp`. Positive when `a` is fresher than `b`. */
export function compareFreshness(a: TokenClaims, b: TokenClaims): number {
  return a.iat - b.iat || a.exp - b.exp;
}
