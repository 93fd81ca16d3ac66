import { InvalidTokenError } from './errors';
import { decodeJwt, looksLikeJwt } from './jwt';
import type { FetchTokenResult, SharedToken, TokenClaims, TokenRecord } from './types';

/** What a fetch result says, before it is judged: the token, its timing, and a clock reading. */
export interface ReadResult {
  record: TokenRecord;
  /** The server's clock when it answered (`serverTime`), if the source said. */
  serverTime: number | undefined;
}

function finite(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Decodes the claims when the token is a JWT. With an expiry given beside the token (an OAuth
 * answer's `expires_in`), a token that only looks like a JWT is taken as opaque; without one the
 * JWT must be readable, since its claims are all the timing there is.
 */
function claimsOf(token: string, hasOwnExpiry: boolean, strict: boolean): TokenClaims | undefined {
  // From another participant, anything with a JWT's three parts must be a readable JWT: a value a
  // peer mangled is refused rather than served as an opaque token.
  if (strict && token.split('.').length === 3) return decodeJwt(token);
  if (hasOwnExpiry) {
    if (!looksLikeJwt(token)) return undefined;
    try {
      return decodeJwt(token);
    } catch {
      return undefined;
    }
  }
  if (!looksLikeJwt(token)) {
    throw new InvalidTokenError('no-expiry', 'Token is not a JWT and the source gave no expiresIn or expiresAt');
  }
  return decodeJwt(token);
}

/**
 * Builds the one record type from what a participant has: the token, an expiry given beside it
 * (`expiresAt`, server-clock ms; `expiresIn`, s from `base`) and the JWT claims if it is one. The
 * earliest expiry wins. `base` is when the answer was made by the server's clock: its `serverTime`,
 * else the earliest the server's clock could have been when the request was sent.
 */
export function buildRecord(
  token: string,
  given: { expiresAt?: number | undefined; expiresIn?: number | undefined; issuedAt?: number | undefined },
  base: number,
  strict = false,
): TokenRecord {
  if (token.length === 0) throw new InvalidTokenError('bad-response', 'Token is an empty string');
  const { expiresAt, expiresIn, issuedAt } = given;
  if (expiresIn !== undefined && (!finite(expiresIn) || expiresIn <= 0)) {
    throw new InvalidTokenError('bad-response', 'expiresIn must be a positive number of seconds');
  }
  if (expiresAt !== undefined && !finite(expiresAt)) throw new InvalidTokenError('bad-response', 'expiresAt must be a finite number of ms');
  const claims = claimsOf(token, expiresAt !== undefined || expiresIn !== undefined, strict);
  let expiry = Number.POSITIVE_INFINITY;
  if (claims?.exp !== undefined) expiry = claims.exp * 1000;
  if (expiresAt !== undefined && expiresAt < expiry) expiry = expiresAt;
  if (expiresIn !== undefined && base + expiresIn * 1000 < expiry) expiry = base + expiresIn * 1000;
  if (expiry === Number.POSITIVE_INFINITY) throw new InvalidTokenError('missing-claims', 'Token has no exp claim and the source gave no expiry');
  const issued = claims?.iat !== undefined ? claims.iat * 1000 : finite(issuedAt) ? issuedAt : base;
  return {
    token,
    issuedAt: issued,
    expiresAt: expiry,
    ...(claims?.nbf !== undefined ? { notBefore: claims.nbf * 1000 } : {}),
    ...(claims ? { claims } : {}),
  };
}

/** Reads what `fetchToken` resolved (other than `null`). `base` stands in for a missing `serverTime`. */
export function readFetchResult(result: Exclude<FetchTokenResult, null>, base: number): ReadResult {
  if (typeof result === 'string') return { record: buildRecord(result, {}, base), serverTime: undefined };
  if (typeof result === 'object' && result !== null && typeof result.token === 'string') {
    const serverTime = finite(result.serverTime) ? result.serverTime : undefined;
    const record = buildRecord(result.token, { expiresAt: result.expiresAt, expiresIn: result.expiresIn }, serverTime ?? base);
    return { record, serverTime };
  }
  throw new InvalidTokenError('bad-response', 'fetchToken must resolve a token string, { token, expiresIn?, expiresAt?, serverTime? } or null');
}

/** Reads a token another participant handed over; `undefined` when it is not a usable shape. */
export function readSharedToken(shared: unknown, now: number): TokenRecord | undefined {
  try {
    // Stryker disable next-line BooleanLiteral: a shared string has no expiry beside it, so the non-strict path also demands a readable JWT; an unreadable one throws either way and is caught below
    if (typeof shared === 'string') return buildRecord(shared, {}, now, true);
    if (typeof shared !== 'object' || shared === null) return undefined;
    const { token, expiresAt, issuedAt } = shared as SharedToken;
    if (typeof token !== 'string') return undefined;
    return buildRecord(token, { expiresAt: finite(expiresAt) ? expiresAt : undefined, issuedAt: finite(issuedAt) ? issuedAt : undefined }, now, true);
  } catch {
    return undefined;
  }
}
