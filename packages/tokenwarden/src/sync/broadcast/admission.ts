import { readSharedToken } from '../../record';
import type { TokenRecord } from '../../types';

export interface AdmissionContext {
  /** Server-corrected now of the receiving tab (late end), ms. */
  now: number;
  /** Below this much validity (ms) a token is never served, so it is not worth adopting. */
  minValidityMs: number;
  /** The session the receiving tab belongs to, when the app told us. */
  sessionId: string | undefined;
  /** When (this tab's server clock, ms) it applied its last sign-out; 0 for none. */
  signedOutAt: number;
  /** Id of the last sign-out this tab applied; '' for none. */
  lastSignOut: string;
}

/** What another tab posted: the token with its timing, its session, and the last sign-out it knew. */
export interface SharedTokenMessage {
  token: string;
  expiresAt: number;
  issuedAt: number;
  session: string | undefined;
  signOut: string;
}

export type AdmissionRefusal = 'unreadable' | 'expiring' | 'other-session' | 'before-sign-out';

export type Admission = { ok: true; record: TokenRecord } | { ok: false; reason: AdmissionRefusal };

/**
 * Whether a token shared by another tab may be offered to this tab's client. The client's door
 * (`host.offer`) checks again (validity, lifetime bound, keys it reads, freshness); this adds what
 * only the coordinator knows: which session this tab is in, and which sign-outs the sender had seen.
 */
export function admitSharedToken(message: SharedTokenMessage, context: AdmissionContext): Admission {
  const record = readSharedToken(message, context.now);
  if (record === undefined) return { ok: false, reason: 'unreadable' };
  if (record.expiresAt - context.now <= context.minValidityMs) return { ok: false, reason: 'expiring' };
  if (context.sessionId !== undefined) {
    // Fail closed: with a session configured, a token must prove it is ours, by the sender's
    // session or its `sid` claim, and neither may name another session.
    const sid = record.claims?.sid;
    const proofs = [message.session, typeof sid === 'string' ? sid : undefined].filter((value) => value !== undefined);
    if (proofs.length === 0 || proofs.some((value) => value !== context.sessionId)) return { ok: false, reason: 'other-session' };
  }
  // The sender posted before it heard of our latest sign-out. Its token is only trusted if it was
  // provably issued after that sign-out (iat has whole seconds: its whole second must start after).
  if (message.signOut !== context.lastSignOut && context.signedOutAt > 0 && record.issuedAt < context.signedOutAt) {
    return { ok: false, reason: 'before-sign-out' };
  }
  return { ok: true, record };
}
