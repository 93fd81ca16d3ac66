import { describe, expect, it } from 'vitest';
import { InvalidTokenError, type InvalidTokenReason } from './errors';
import { decodeJwt, looksLikeJwt } from './jwt';

const b64u = (text: string) => Buffer.from(text).toString('base64url');
const HEADER = b64u('{"alg":"ES256","typ":"JWT"}');
const SIGNATURE = 'c2lnbmF0dXJlLXNlY3JldA';
/** A JWT whose payload segment is exactly `payloadJson` (so it can be malformed on purpose). */
const jwtWith = (payloadJson: string) => `${HEADER}.${b64u(payloadJson)}.${SIGNATURE}`;

function refusal(token: unknown): InvalidTokenError {
  try {
    decodeJwt(token);
  } catch (error) {
    if (InvalidTokenError.is(error)) return error;
    throw error;
  }
  throw new Error('decodeJwt accepted the token');
}

/** The refusal has the reason and message given, no cause, and no part of the token in it. */
function expectRefused(token: unknown, reason: InvalidTokenReason, message: string): void {
  const error = refusal(token);
  expect(error.reason).toBe(reason);
  expect(error.code).toBe('invalid_token');
  expect(error.message).toBe(message);
  expect(error.cause).toBeUndefined();
  if (typeof token === 'string') {
    for (const part of token.split('.').filter((p) => p.length >= 4)) expect(error.message).not.toContain(part);
  }
}

describe('looksLikeJwt: three base64url segments, the last may be empty', () => {
  it.each([
    ['a signed token', `${HEADER}.${b64u('{}')}.${SIGNATURE}`],
    ['an unsigned token', `${HEADER}.${b64u('{}')}.`],
  ])('accepts %s', (_, token) => {
    expect(looksLikeJwt(token)).toBe(true);
  });

  it.each([
    ['an empty header', `.${b64u('{}')}.${SIGNATURE}`],
    ['an empty payload', `${HEADER}..${SIGNATURE}`],
    ['a standard-base64 header (+)', `ey+J.${b64u('{}')}.${SIGNATURE}`],
    ['a padded header (=) before its end', `ey=J.${b64u('{}')}.${SIGNATURE}`],
    ['a standard-base64 signature (/)', `${HEADER}.${b64u('{}')}.c2ln/bmF0`],
    ['two segments', `${HEADER}.${b64u('{}')}`],
    ['four segments', `${HEADER}.${b64u('{}')}.${SIGNATURE}.x`],
    ['an opaque token', 'opaque_access_token'],
  ])('refuses %s', (_, token) => {
    expect(looksLikeJwt(token)).toBe(false);
  });
});

describe('decodeJwt refusals: a reason, a fixed message, no token text anywhere', () => {
  it('something that is not a string says only its type', () => {
    expectRefused(42, 'not-a-jwt', 'Expected a JWT string, got number');
    expectRefused(null, 'not-a-jwt', 'Expected a JWT string, got null');
    expectRefused({ token: 'x' }, 'not-a-jwt', 'Expected a JWT string, got object');
  });

  it('a string without the shape of a JWT', () => {
    expectRefused('opaque-secret-token-value', 'not-a-jwt', 'Token is not a JWT (expected three base64url segments)');
    expectRefused(`ey+J.${b64u('{"exp":2}')}.${SIGNATURE}`, 'not-a-jwt', 'Token is not a JWT (expected three base64url segments)');
  });

  it('a payload that is not JSON (the parser message, which quotes the text, is not kept)', () => {
    expectRefused(jwtWith('secret-not-json'), 'bad-json', 'Token payload is not valid base64url JSON');
    expectRefused(`${HEADER}.abcde.${SIGNATURE}`, 'bad-json', 'Token payload is not valid base64url JSON');
  });

  it.each(['null', '5', '"secret-string"', '[1,2]', 'true'])('a payload that is JSON but not an object (%s)', (payload) => {
    expectRefused(jwtWith(payload), 'bad-json', 'Token payload is not a JSON object');
  });

  it.each([
    ['iat', '{"iat":"100","exp":200}'],
    ['exp', '{"iat":100,"exp":1e999}'],
    ['nbf', '{"exp":200,"nbf":true}'],
    ['exp', '{"exp":null}'],
  ])('a %s claim that is not a finite number', (name, payload) => {
    expectRefused(jwtWith(payload), 'missing-claims', `Token ${name} claim is not a finite number`);
  });

  it('an exp not after iat: equal or earlier', () => {
    expectRefused(jwtWith('{"iat":100,"exp":100}'), 'bad-lifetime', 'Token exp is not after its iat');
    expectRefused(jwtWith('{"iat":100,"exp":99}'), 'bad-lifetime', 'Token exp is not after its iat');
  });
});

describe('decodeJwt reads what it may', () => {
  it('time claims alone, or none, are not its business to refuse', () => {
    expect(decodeJwt(jwtWith('{"iat":100,"exp":101}'))).toEqual({ iat: 100, exp: 101 });
    expect(decodeJwt(jwtWith('{"iat":100}'))).toEqual({ iat: 100 });
    expect(decodeJwt(jwtWith('{"exp":100}'))).toEqual({ exp: 100 });
    expect(decodeJwt(jwtWith('{"nbf":100,"sub":"u"}'))).toEqual({ nbf: 100, sub: 'u' });
    expect(decodeJwt(jwtWith('{}'))).toEqual({});
  });

  it("decodes the base64url alphabet's own characters (- and _), padded or not", () => {
    const claims = { iat: 1, exp: 2, n: '????>' };
    const payload = b64u(JSON.stringify(claims));
    expect(payload).toMatch(/-/);
    expect(payload).toMatch(/_/);
    expect(decodeJwt(`${HEADER}.${payload}.${SIGNATURE}`)).toEqual(claims);
    for (const n of ['a', 'ab', 'abc', 'abcd']) expect(decodeJwt(jwtWith(JSON.stringify({ n }))).n).toBe(n);
  });
});
