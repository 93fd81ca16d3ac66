import { describe, expect, it } from 'vitest';
import { type AdmissionContext, admitSharedToken } from './admission';
import { makeJwt } from './fakeTabs';

const NOW = 1_000_000_000; // ms, server clock of the receiving tab
const iat = NOW / 1000 - 10;
const context: AdmissionContext = { now: NOW, minValidityMs: 5_000, sessionId: undefined, signedOutAt: 0, senderEpoch: 0 };

describe('admitSharedToken: may another tab’s token be offered here', () => {
  it('admits a decodable token with numeric iat/exp and more than minValidity left', () => {
    const result = admitSharedToken(makeJwt({ iat, exp: iat + 60, sid: 'sess_1' }), context);
    expect(result).toEqual({ ok: true, claims: { iat, exp: iat + 60, sid: 'sess_1' } });
  });

  it.each([
    ['not a JWT', 'not-a-jwt'],
    ['string iat/exp', makeJwt({ iat: String(iat), exp: String(iat + 60) })],
    ['no exp', makeJwt({ iat })],
    ['exp before iat', makeJwt({ iat, exp: iat - 1 })],
    ['a payload that is not JSON', 'eyJhbGciOiJFUzI1NiJ9.bm90IGpzb24.c2ln'],
  ])('refuses %s', (_name, token) => {
    expect(admitSharedToken(token, context)).toEqual({ ok: false, reason: 'not-a-jwt' });
  });

  it('refuses an expired token and one within minValidity of expiry; admits one just outside it', () => {
    expect(admitSharedToken(makeJwt({ iat: iat - 100, exp: NOW / 1000 - 1 }), context)).toMatchObject({ reason: 'expiring' });
    expect(admitSharedToken(makeJwt({ iat, exp: NOW / 1000 + 5 }), context)).toMatchObject({ reason: 'expiring' });
    expect(admitSharedToken(makeJwt({ iat, exp: NOW / 1000 + 6 }), context)).toMatchObject({ ok: true });
  });

  it('refuses another session’s token when both the session and the sid claim are known', () => {
    const other = makeJwt({ iat, exp: iat + 60, sid: 'sess_2' });
    expect(admitSharedToken(other, { ...context, sessionId: 'sess_1' })).toEqual({ ok: false, reason: 'other-session' });
    // Either side unknown: nothing to compare.
    expect(admitSharedToken(other, context)).toMatchObject({ ok: true });
    expect(admitSharedToken(makeJwt({ iat, exp: iat + 60 }), { ...context, sessionId: 'sess_1' })).toMatchObject({ ok: true });
  });

  describe('sign-out epoch', () => {
    const signedOutAt = NOW - 400; // 0.4 s ago, inside the second in which `iat` below falls
    const sameSecond = makeJwt({ iat: Math.floor(signedOutAt / 1000), exp: Math.floor(signedOutAt / 1000) + 60 });
    const nextSecond = makeJwt({ iat: Math.ceil(signedOutAt / 1000), exp: Math.ceil(signedOutAt / 1000) + 60 });

    it('refuses a token from a sender that had not applied our latest sign-out, minted in or before its second', () => {
      expect(admitSharedToken(sameSecond, { ...context, signedOutAt, senderEpoch: 0 })).toEqual({ ok: false, reason: 'before-sign-out' });
    });

    it('admits it from a sender that had applied that sign-out (or a later one)', () => {
      expect(admitSharedToken(sameSecond, { ...context, signedOutAt, senderEpoch: signedOutAt })).toMatchObject({ ok: true });
      expect(admitSharedToken(sameSecond, { ...context, signedOutAt, senderEpoch: signedOutAt + 1 })).toMatchObject({ ok: true });
    });

    it('admits a token provably minted after the sign-out even from a sender that never heard of it (a tab opened later)', () => {
      expect(admitSharedToken(nextSecond, { ...context, signedOutAt, senderEpoch: 0 })).toMatchObject({ ok: true });
    });
  });
});
