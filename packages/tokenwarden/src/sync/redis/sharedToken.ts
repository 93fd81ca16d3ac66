import { decodeJwt } from '../../jwt';
import type { TokenRecord } from '../../types';
import type { SharedRecord } from './messages';

/** A shared token with the timing this instance will judge it by (server-clock ms). */
export interface TimedToken {
  readonly token: string;
  readonly issuedAt: number;
  readonly expiresAt: number;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The timing of a token that came through Redis, or undefined when it cannot be trusted to have
 * any. A JWT's own `exp`/`iat` win over what the sender wrote next to it (a sender can only shorten
 * the life, never lengthen it); something shaped like a JWT that does not decode is refused rather
 * than taken for an opaque token; an opaque token needs `expiresAt`. The client's door
 * (`host.offer`) judges the rest (server clock, `nbf`, lifetime bound, sign-outs).
 */
export function timeShared(shared: SharedRecord): TimedToken | undefined {
  const { token } = shared;
  if (typeof token !== 'string' || token === '') return undefined;
  let expiresAt = shared.expiresAt;
  let issuedAt = shared.issuedAt;
  if (JWT_SHAPE.test(token)) {
    let claims: { exp?: unknown; iat?: unknown };
    try {
      claims = decodeJwt(token);
    } catch {
      return undefined;
    }
    if (typeof claims.exp === 'number' && Number.isFinite(claims.exp)) expiresAt = Math.min(claims.exp * 1000, expiresAt ?? Infinity);
    if (typeof claims.iat === 'number' && Number.isFinite(claims.iat)) issuedAt = claims.iat * 1000;
  }
  if (expiresAt === undefined || !Number.isFinite(expiresAt)) return undefined;
  // Without an issue time, rank it by expiry alone (older than anything that has one).
  return { token, expiresAt, issuedAt: issuedAt !== undefined && issuedAt < expiresAt ? issuedAt : 0 };
}

/** What this client publishes: the engine hands a record (an engine before the record contract handed a JWT string). */
export function timeRecord(record: TokenRecord | string): TimedToken | undefined {
  if (typeof record === 'string') return timeShared({ token: record });
  if (!record || typeof record.token !== 'string') return undefined;
  return timeShared({ token: record.token, expiresAt: record.expiresAt, issuedAt: record.issuedAt });
}

/** Freshness order: later issue wins, then later expiry. Positive when `a` is fresher than `b`. */
export function compareTimed(a: TimedToken, b: TimedToken): number {
  return a.issuedAt - b.issuedAt || a.expiresAt - b.expiresAt;
}
