import { describe, expect, it } from 'vitest';
import { makeJwt } from './fakeTabs';
import { MAX_SESSION_LENGTH, MAX_TOKEN_LENGTH, MESSAGE_VERSION, readMessage, requestMessage, signedOutMessage, tokenMessage } from './messages';

const token = makeJwt({ iat: 100, exp: 160 });
const valid = {
  v: 2,
  namespace: 'app',
  type: 'token',
  key: { template: 'supabase' },
  token,
  expiresAt: 160_000,
  issuedAt: 100_000,
  session: 'sess_1',
  signOut: '5f0c2a9e4b7d1c3a8e6f0b2d',
};
const signOut = { v: 2, namespace: 'app', type: 'signed-out', id: '5f0c2a9e4b7d1c3a8e6f0b2d' };

describe('readMessage: the envelope of what other tabs post (v2)', () => {
  it('is version 2: tabs running the v1 protocol (epochs) and this one ignore each other', () => {
    expect(MESSAGE_VERSION).toBe(2);
  });

  it('reads the token message a tab posts: { v, namespace, type, key, token, expiresAt, issuedAt, session, signOut }', () => {
    expect(readMessage(valid, 'app')).toEqual(valid);
    expect(tokenMessage('app', { template: 'supabase' }, { token, expiresAt: 160_000, issuedAt: 100_000 }, 'sess_1', valid.signOut)).toEqual(valid);
  });

  it('reads a token message from a sender with no session and no sign-out applied', () => {
    const bare = { ...valid, session: undefined, signOut: '' };
    expect(readMessage(bare, 'app')).toEqual(bare);
    const { session: _absent, ...withoutSession } = bare;
    expect(readMessage(withoutSession, 'app')).toMatchObject({ type: 'token', signOut: '' });
  });

  it('reads a long session id (some apps pass a whole session token): up to MAX_SESSION_LENGTH', () => {
    const session = 's'.repeat(MAX_SESSION_LENGTH);
    expect(readMessage({ ...valid, session }, 'app')).toMatchObject({ session });
  });

  it('reads an opaque token (not a JWT): its timing travels beside it', () => {
    expect(readMessage({ ...valid, token: 'opaque-token' }, 'app')).toMatchObject({ token: 'opaque-token', expiresAt: 160_000, issuedAt: 100_000 });
  });

  it('reads a sign-out by its id, and keeps nothing else a sender put in it (no epoch)', () => {
    expect(readMessage(signOut, 'app')).toEqual(signedOutMessage('app', signOut.id));
    expect(readMessage({ ...signOut, epoch: 1e300 }, 'app')).toEqual({ v: 2, namespace: 'app', type: 'signed-out', id: signOut.id });
  });

  it('reads a request, which carries only the key', () => {
    expect(readMessage({ v: 2, namespace: 'app', type: 'request', key: { template: 'x' } }, 'app')).toEqual(requestMessage('app', { template: 'x' }));
  });

  it('keeps organizationId null (personal workspace) distinct from absent', () => {
    expect(readMessage({ ...valid, key: { organizationId: null } }, 'app')).toMatchObject({ key: { organizationId: null } });
    expect(readMessage({ ...valid, key: {} }, 'app')).toMatchObject({ key: {} });
  });

  it.each([
    ['null', null],
    ['a string', JSON.stringify(valid)],
    ['an array', [valid]],
    ['the v1 token message (epoch, no expiry)', { v: 1, namespace: 'app', type: 'token', key: {}, token, epoch: 0 }],
    ['a v1 sign-out (epoch)', { v: 1, namespace: 'app', type: 'signed-out', epoch: 1e300 }],
    ['another version', { ...valid, v: 3 }],
    ['no version', { ...valid, v: undefined }],
    ['another namespace', { ...valid, namespace: 'other-app' }],
    ['a namespace prefix', { ...valid, namespace: 'ap' }],
    ['an unknown type', { ...valid, type: 'hello' }],
    ['no type', { ...valid, type: undefined }],
    ['no key', { ...valid, key: undefined }],
    ['a key with an extra field', { ...valid, key: { template: 'supabase', skipCache: true } }],
    ['a key whose template is a number', { ...valid, key: { template: 7 } }],
    ['a key that is an array', { ...valid, key: ['supabase'] }],
    ['a token that is not a string', { ...valid, token: 42 }],
    ['an empty token', { ...valid, token: '' }],
    ['a token longer than any JWT', { ...valid, token: 'a'.repeat(MAX_TOKEN_LENGTH + 1) }],
    ['a missing expiresAt', { ...valid, expiresAt: undefined }],
    ['a string expiresAt', { ...valid, expiresAt: '160000' }],
    ['a non-finite expiresAt', { ...valid, expiresAt: Number.POSITIVE_INFINITY }],
    ['a NaN expiresAt', { ...valid, expiresAt: Number.NaN }],
    ['a missing issuedAt', { ...valid, issuedAt: undefined }],
    ['a non-finite issuedAt', { ...valid, issuedAt: Number.NEGATIVE_INFINITY }],
    ['a missing signOut', { ...valid, signOut: undefined }],
    ['a numeric signOut (a v1-style epoch)', { ...valid, signOut: 1e300 }],
    ['a signOut longer than any id', { ...valid, signOut: 'a'.repeat(65) }],
    ['a session that is not a string', { ...valid, session: 1 }],
    ['a session longer than MAX_SESSION_LENGTH', { ...valid, session: 's'.repeat(MAX_SESSION_LENGTH + 1) }],
    ['a sign-out without an id', { v: 2, namespace: 'app', type: 'signed-out' }],
    ['a sign-out with an empty id', { ...signOut, id: '' }],
    ['a sign-out with a numeric id (or epoch)', { ...signOut, id: 1e300 }],
    ['a sign-out with an id longer than any id', { ...signOut, id: 'a'.repeat(65) }],
    ['a sign-out for another namespace', { ...signOut, namespace: 'other' }],
    ['a request with a bad key', { v: 2, namespace: 'app', type: 'request', key: { template: 1 } }],
    ['a request without a key', { v: 2, namespace: 'app', type: 'request' }],
    ['a request for another namespace', { v: 2, namespace: 'other', type: 'request', key: {} }],
  ])('ignores %s', (_name, data) => {
    expect(readMessage(data, 'app')).toBeUndefined();
  });
});
