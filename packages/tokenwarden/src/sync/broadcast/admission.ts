import { decodeJwt } from '../../jwt';
import type { TokenClaims } from '../../types';

export interface AdmissionContext {
  /** Server-corrected now of the receiving tab, ms. */
  now: number;
  /** Below this much validity (ms) a token is never served, so it is not worth adopting. */
  minValidityMs: number;
  /** The session the receiving tab belongs to, when the app told us. */
  sessionId: string | undefined;
  /** The last sign-out this tab applied (server-clock ms), 0 for none. */
  signedOutAt: number;
  /** The last sign-out the sender had applied when it posted. */
  senderEpoch: number;
}

export type AdmissionRefusal = 'not-a-jwt' | 'expiring' | 'other-session' | 'before-sign-out';

export type Admission = { ok: true; claims: TokenClaims } | { ok: false; reason: AdmissionRefusal };

/**
 * Whether a token shared by another tab may be offered to this tab's client. The client's door
 * (`host.offer`) checks again and keeps the cache monotonic; this adds what only the coordinator
 * knows: which session this tab is in, and which sign-outs the sender had seen.
 */
export function admitSharedToken(token: string, context: AdmissionContext): Admission {
  let claims: TokenClaims;
  try {
    // Also checks that iat and exp are finite numbers and exp is after iat.
    claims = decodeJwt(token);
  } catch {
    return { ok: false, reason: 'not-a-jwt' };
  }
  if (claims.exp * 1000 - context.now <= context.minValidityMs) return { ok: false, reason: 'expiring' };
  const sid = claims.sid;
  if (context.sessionId !== undefined && sid !== undefined && sid !== context.sessionId) return { ok: false, reason: 'other-session' };
  // The sender posted before it heard of our latest sign-out. Its token is only trusted if it was
  // provably minted after that sign-out: iat has whole-second resolution, so its whole second must
  // start at or after it. (The client's own check, iat before the clear's second, misses a token
  // minted earlier in that same second.)
  if (context.senderEpoch < context.signedOutAt && claims.iat * 1000 < context.signedOutAt) {
    return { ok: false, reason: 'before-sign-out' };
  }
  return { ok: true, claims };
}
