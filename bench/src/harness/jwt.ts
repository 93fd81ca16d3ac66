import { randomBytes } from 'node:crypto';

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/**
 * An RS256-labelled JWT with a random signature. None of the peers verifies token signatures in the
 * browser (they cannot hold the issuer's keys); Auth0 insists on the `RS256` label, hence the header.
 */
export function unsignedJwt(payload: Record<string, unknown>): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'bench' }));
  return `${header}.${b64url(JSON.stringify(payload))}.${randomBytes(32).toString('base64url')}`;
}

/** `exp` (seconds) of a JWT, or undefined when the value is not a JWT. */
export function jwtExp(token: unknown): number | undefined {
  if (typeof token !== 'string') return undefined;
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
