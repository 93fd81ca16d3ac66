import { describe, expect, it } from 'vitest';
import { makeJwt } from './fakeTabs';
import { MAX_TOKEN_LENGTH, readMessage, signedOutMessage, tokenMessage } from './messages';

const token = makeJwt({ iat: 100, exp: 160 });
const valid = { v: 1, namespace: 'app', type: 'token', key: { template: 'supabase' }, token, epoch: 0 };

describe('readMessage: the envelope of what other tabs post', () => {
  it('reads the token message a tab posts: { v, namespace, key, token } plus type and epoch', () => {
    expect(readMessage(valid, 'app')).toEqual(valid);
    expect(tokenMessage('app', { template: 'supabase' }, token, 0)).toEqual(valid);
  });

  it('reads a sign-out message', () => {
    expect(readMessage({ v: 1, namespace: 'app', type: 'signed-out', epoch: 5 }, 'app')).toEqual(signedOutMessage('app', 5));
  });

  it('keeps organizationId null (personal workspace) distinct from absent', () => {
    expect(readMessage({ ...valid, key: { organizationId: null } }, 'app')).toMatchObject({ key: { organizationId: null } });
    expect(readMessage({ ...valid, key: {} }, 'app')).toMatchObject({ key: {} });
  });

  it.each([
    ['null', null],
    ['a string', JSON.stringify(valid)],
    ['an array', [valid]],
    ['another version', { ...valid, v: 2 }],
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
    ['a missing epoch', { ...valid, epoch: undefined }],
    ['a negative epoch', { ...valid, epoch: -1 }],
    ['a non-finite epoch', { ...valid, epoch: Number.POSITIVE_INFINITY }],
    ['a sign-out with a string epoch', { v: 1, namespace: 'app', type: 'signed-out', epoch: '5' }],
    ['a sign-out for another namespace', { v: 1, namespace: 'other', type: 'signed-out', epoch: 5 }],
  ])('ignores %s', (_name, data) => {
    expect(readMessage(data, 'app')).toBeUndefined();
  });
});
