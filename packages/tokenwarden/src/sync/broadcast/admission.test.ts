import { describe, expect, it } from 'vitest';
import { type AdmissionContext, type SharedTokenMessage, admitSharedToken } from './admission';
import { makeJwt } from './fakeTabs';

const NOW = 1_000_000_000; // ms, server clock of the receiving tab
const iat = NOW / 1000 - 10;
const context: AdmissionContext = { now: NOW, minValidityMs: 5_000, sessionId: undefined, signedOutAt: 0, lastSignOut: '' };

/** What a sender posts for a JWT: timing from its claims, no session, no sign-out heard. */
function jwtMessage(claims: Record<string, unknown>, fields: Partial<SharedTokenMessage> = {}): SharedTokenMessage {
  const { iat: issued, exp } = claims;
  return {
    token: makeJwt(claims),
    expiresAt: typeof exp === 'number' ? exp * 1000 : Number.NaN,
    issuedAt: typeof issued === 'number' ? issued * 1000 : Number.NaN,
    session: undefined,
    signOut: '',
    ...fields,
  };
}

const opaque = (fields: Partial<SharedTokenMessage> = {}): SharedTokenMessage => ({
  token: 'opaque-access-token',
  expiresAt: NOW + 60_000,
  issuedAt: NOW - 1_000,
  session: undefined,
  signOut: '',
  ...fields,
});

describe('admitSharedToken: may another tab’s token be offered here', () => {
  it('admits a JWT with more than minValidity left, as a record timed by its claims', () => {
    const message = jwtMessage({ iat, exp: iat + 60, sid: 'sess_1' });
    expect(admitSharedToken(message, context)).toEqual({
      ok: true,
      record: { token: message.token, issuedAt: iat * 1000, expiresAt: (iat + 60) * 1000, claims: { iat, exp: iat + 60, sid: 'sess_1' } },
    });
  });

  it('admits an opaque token timed by the message (it has no claims)', () => {
    expect(admitSharedToken(opaque(), context)).toEqual({
      ok: true,
      record: { token: 'opaque-access-token', issuedAt: NOW - 1_000, expiresAt: NOW + 60_000 },
    });
  });

  it('a JWT’s own exp wins over a later expiresAt in the message (a sender cannot stretch a token)', () => {
    const stretched = jwtMessage({ iat, exp: NOW / 1000 + 3 }, { expiresAt: NOW + 3_600_000 });
    expect(admitSharedToken(stretched, context)).toEqual({ ok: false, reason: 'expiring' });
  });

  // readMessage already refuses these envelopes; admission must not depend on it.
  it.each([
    ['an empty token', opaque({ token: '' })],
    ['an opaque token without expiresAt', opaque({ expiresAt: Number.NaN })],
    ['a JWT without exp and without expiresAt', jwtMessage({ iat })],
    ['a JWT with string iat/exp and no expiresAt', jwtMessage({ iat: String(iat), exp: String(iat + 60) })],
    ['a JWT-looking token whose payload is not JSON, without expiresAt', opaque({ token: 'eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln', expiresAt: Number.NaN })],
  ])('refuses %s (unreadable)', (_name, message) => {
    expect(admitSharedToken(message, context)).toEqual({ ok: false, reason: 'unreadable' });
  });

  it('refuses an expired token and one within minValidity of expiry; admits one just outside it', () => {
    expect(admitSharedToken(jwtMessage({ iat: iat - 100, exp: NOW / 1000 - 1 }), context)).toMatchObject({ reason: 'expiring' });
    expect(admitSharedToken(jwtMessage({ iat, exp: NOW / 1000 + 5 }), context)).toMatchObject({ reason: 'expiring' });
    expect(admitSharedToken(jwtMessage({ iat, exp: NOW / 1000 + 6 }), context)).toMatchObject({ ok: true });
    expect(admitSharedToken(opaque({ expiresAt: NOW + 5_000 }), context)).toMatchObject({ reason: 'expiring' });
  });

  describe('session: with sessionId configured, a token must prove it is ours (fail closed)', () => {
    const ours = { ...context, sessionId: 'sess_1' };

    it('without a configured session nothing is compared', () => {
      expect(admitSharedToken(jwtMessage({ iat, exp: iat + 60, sid: 'sess_2' }), context)).toMatchObject({ ok: true });
      expect(admitSharedToken(opaque({ session: 'sess_2' }), context)).toMatchObject({ ok: true });
    });

    it.each([
      ['the sid claim', jwtMessage({ iat, exp: iat + 60, sid: 'sess_1' })],
      ['the sender’s session', jwtMessage({ iat, exp: iat + 60 }, { session: 'sess_1' })],
      ['both', jwtMessage({ iat, exp: iat + 60, sid: 'sess_1' }, { session: 'sess_1' })],
      ['the sender’s session, for an opaque token', opaque({ session: 'sess_1' })],
    ])('admits a token proven ours by %s', (_name, message) => {
      expect(admitSharedToken(message, ours)).toMatchObject({ ok: true });
    });

    it.each([
      ['no sid and no sender session', jwtMessage({ iat, exp: iat + 60 })],
      ['another sid', jwtMessage({ iat, exp: iat + 60, sid: 'sess_2' })],
      ['no sid, from a sender in another session', jwtMessage({ iat, exp: iat + 60 }, { session: 'sess_2' })],
      ['our sid, from a sender in another session', jwtMessage({ iat, exp: iat + 60, sid: 'sess_1' }, { session: 'sess_2' })],
      ['another sid, from a sender in our session', jwtMessage({ iat, exp: iat + 60, sid: 'sess_2' }, { session: 'sess_1' })],
      ['a sid that is not a string and no sender session', jwtMessage({ iat, exp: iat + 60, sid: 1 })],
      ['an opaque token from a sender with no session', opaque()],
    ])('refuses a token with %s', (_name, message) => {
      expect(admitSharedToken(message, ours)).toEqual({ ok: false, reason: 'other-session' });
    });
  });

  describe('sign-outs: a sender that had not applied our latest sign-out', () => {
    const signedOutAt = NOW - 400; // 0.4 s ago, inside the second in which `iat` below falls
    const after = { ...context, signedOutAt, lastSignOut: 'id-2' };
    const sameSecond = { iat: Math.floor(signedOutAt / 1000), exp: Math.floor(signedOutAt / 1000) + 60 };
    const nextSecond = { iat: Math.ceil(signedOutAt / 1000), exp: Math.ceil(signedOutAt / 1000) + 60 };

    it('has its token refused when it was minted in or before the sign-out’s second', () => {
      expect(admitSharedToken(jwtMessage(sameSecond), after)).toEqual({ ok: false, reason: 'before-sign-out' });
      // One that had applied an earlier sign-out only is no better informed.
      expect(admitSharedToken(jwtMessage(sameSecond, { signOut: 'id-1' }), after)).toEqual({ ok: false, reason: 'before-sign-out' });
      expect(admitSharedToken(opaque({ issuedAt: signedOutAt - 1 }), after)).toEqual({ ok: false, reason: 'before-sign-out' });
    });

    it('has it admitted when the sender had applied the same sign-out', () => {
      expect(admitSharedToken(jwtMessage(sameSecond, { signOut: 'id-2' }), after)).toMatchObject({ ok: true });
    });

    it('has a token provably minted after the sign-out admitted (a tab opened later never heard of it)', () => {
      expect(admitSharedToken(jwtMessage(nextSecond), after)).toMatchObject({ ok: true });
      expect(admitSharedToken(opaque({ issuedAt: signedOutAt }), after)).toMatchObject({ ok: true });
    });

    it('compares nothing before this tab applied any sign-out', () => {
      expect(admitSharedToken(jwtMessage(sameSecond, { signOut: 'whatever' }), context)).toMatchObject({ ok: true });
    });
  });
});
