import { describe, expect, it } from 'vitest';
import { makeJwt } from '../test/helpers';
import { InvalidTokenError, type InvalidTokenReason } from './errors';
import { readFetchResult, readSharedToken } from './record';

// Whole seconds, so JWT claims and ms line up exactly.
const BASE = Date.UTC(2026, 0, 1, 12, 0, 0);
const IAT = BASE / 1000 - 10;
const JWT_1H = makeJwt({ sub: 'user_1', iat: IAT, exp: IAT + 3_600 });
/** Has a JWT's shape, but its payload is not JSON: an opaque token that happens to have two dots. */
const DOTTED_OPAQUE = 'opaqueAAA.secretBBB.valueCCC';

function refusalOf(read: () => unknown): InvalidTokenError {
  try {
    read();
  } catch (error) {
    if (InvalidTokenError.is(error)) return error;
    throw error;
  }
  throw new Error('accepted');
}

function expectRefused(read: () => unknown, reason: InvalidTokenReason, message: string, token?: string): void {
  const error = refusalOf(read);
  expect(error.reason).toBe(reason);
  expect(error.message).toBe(message);
  expect(error.cause).toBeUndefined();
  if (token) for (const part of token.split('.').filter((p) => p.length >= 4)) expect(error.message).not.toContain(part);
}

describe('readFetchResult: the expiry is the earliest the answer gives', () => {
  it('a JWT string carries its own timing; no expiry is invented when none is given beside it', () => {
    const { record, serverTime } = readFetchResult(JWT_1H, BASE);
    expect(record).toMatchObject({ token: JWT_1H, issuedAt: IAT * 1000, expiresAt: (IAT + 3_600) * 1000 });
    expect(record.claims).toMatchObject({ sub: 'user_1' });
    expect(serverTime).toBeUndefined();
  });

  it('expiresIn counts seconds from the base, and wins when earlier than the JWT exp', () => {
    const { record } = readFetchResult({ token: JWT_1H, expiresIn: 60 }, BASE);
    expect(record.expiresAt).toBe(BASE + 60_000);
    // The token was still read as a JWT: its iat is the issue time.
    expect(record.issuedAt).toBe(IAT * 1000);
    expect(record.claims?.sub).toBe('user_1');
  });

  it('the JWT exp wins when it is earlier than expiresIn', () => {
    const { record } = readFetchResult({ token: JWT_1H, expiresIn: 7_200 }, BASE);
    expect(record.expiresAt).toBe((IAT + 3_600) * 1000);
  });

  it('expiresAt and expiresIn together: the earlier', () => {
    expect(readFetchResult({ token: 'opaque', expiresIn: 60, expiresAt: BASE + 30_000 }, BASE).record.expiresAt).toBe(BASE + 30_000);
    expect(readFetchResult({ token: 'opaque', expiresIn: 60, expiresAt: BASE + 90_000 }, BASE).record.expiresAt).toBe(BASE + 60_000);
  });

  it('an opaque token with expiresIn is issued at the base, or at the serverTime the answer gave', () => {
    expect(readFetchResult({ token: 'opaque', expiresIn: 60 }, BASE)).toEqual({
      record: { token: 'opaque', issuedAt: BASE, expiresAt: BASE + 60_000 },
      serverTime: undefined,
    });
    const later = BASE + 5_000;
    expect(readFetchResult({ token: 'opaque', expiresIn: 60, serverTime: later }, BASE)).toEqual({
      record: { token: 'opaque', issuedAt: later, expiresAt: later + 60_000 },
      serverTime: later,
    });
  });

  it('a token with a JWT shape but an unreadable payload is opaque when an expiry comes beside it', () => {
    expect(readFetchResult({ token: DOTTED_OPAQUE, expiresIn: 60 }, BASE).record).toEqual({ token: DOTTED_OPAQUE, issuedAt: BASE, expiresAt: BASE + 60_000 });
  });

  it('nbf becomes notBefore in ms', () => {
    const token = makeJwt({ iat: IAT, nbf: IAT + 1, exp: IAT + 60 });
    expect(readFetchResult(token, BASE).record.notBefore).toBe((IAT + 1) * 1000);
  });
});

describe('readFetchResult refusals: a reason, a fixed message, no token text', () => {
  it('an empty token', () => {
    expectRefused(() => readFetchResult('', BASE), 'bad-response', 'Token is an empty string');
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('expiresIn %s', (expiresIn) => {
    expectRefused(() => readFetchResult({ token: 'opaque-secret', expiresIn }, BASE), 'bad-response', 'expiresIn must be a positive number of seconds', 'opaque-secret');
  });

  it('expiresAt that is not finite', () => {
    expectRefused(() => readFetchResult({ token: 'opaque-secret', expiresAt: Number.NaN }, BASE), 'bad-response', 'expiresAt must be a finite number of ms');
  });

  it('an opaque token with no expiry beside it', () => {
    expectRefused(() => readFetchResult('opaque-secret-token', BASE), 'no-expiry', 'Token is not a JWT and the source gave no expiresIn or expiresAt');
  });

  it('a JWT with no exp and no expiry beside it', () => {
    const token = makeJwt({ sub: 'user_1', iat: IAT });
    expectRefused(() => readFetchResult(token, BASE), 'missing-claims', 'Token has no exp claim and the source gave no expiry', token);
  });

  it('a mangled JWT with no expiry beside it is refused, not taken as opaque', () => {
    expect(refusalOf(() => readFetchResult(DOTTED_OPAQUE, BASE)).reason).toBe('bad-json');
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 5],
    ['an empty object', {}],
    ['a token that is not a string', { token: 5, expiresIn: 60 }],
  ])('%s resolved by fetchToken', (_, result) => {
    expectRefused(
      () => readFetchResult(result as never, BASE),
      'bad-response',
      'fetchToken must resolve a token string, { token, expiresIn?, expiresAt?, serverTime? } or null',
    );
  });
});

describe('readSharedToken: what another participant hands over', () => {
  it('a JWT string, or an object with a JWT', () => {
    expect(readSharedToken(JWT_1H, BASE)).toMatchObject({ token: JWT_1H, issuedAt: IAT * 1000, expiresAt: (IAT + 3_600) * 1000 });
    expect(readSharedToken({ token: JWT_1H }, BASE)).toMatchObject({ token: JWT_1H, expiresAt: (IAT + 3_600) * 1000 });
  });

  it('an opaque token only with a finite expiresAt; issuedAt when finite, else now', () => {
    expect(readSharedToken({ token: 'opaque', expiresAt: BASE + 60_000, issuedAt: BASE - 1_000 }, BASE)).toEqual({
      token: 'opaque',
      issuedAt: BASE - 1_000,
      expiresAt: BASE + 60_000,
    });
    expect(readSharedToken({ token: 'opaque', expiresAt: BASE + 60_000, issuedAt: Number.NaN }, BASE)).toEqual({
      token: 'opaque',
      issuedAt: BASE,
      expiresAt: BASE + 60_000,
    });
    expect(readSharedToken({ token: 'opaque' }, BASE)).toBeUndefined();
    expect(readSharedToken({ token: 'opaque', expiresAt: Number.NaN }, BASE)).toBeUndefined();
    expect(readSharedToken('opaque', BASE)).toBeUndefined();
  });

  it('anything with three dot-separated parts must be a readable JWT, even with an expiresAt beside it', () => {
    expect(readSharedToken({ token: DOTTED_OPAQUE, expiresAt: BASE + 60_000 }, BASE)).toBeUndefined();
    expect(readSharedToken({ token: 'a+b.c/d.e', expiresAt: BASE + 60_000 }, BASE)).toBeUndefined();
    expect(readSharedToken(DOTTED_OPAQUE, BASE)).toBeUndefined();
    // The same value from our own fetch, with an expiry beside it, is an opaque token.
    expect(readFetchResult({ token: DOTTED_OPAQUE, expiresAt: BASE + 60_000 }, BASE).record.token).toBe(DOTTED_OPAQUE);
  });

  it('only plain data: no function, no String object, nothing empty', () => {
    const fn = Object.assign(() => undefined, { token: JWT_1H, expiresAt: BASE + 60_000 });
    expect(readSharedToken(fn, BASE)).toBeUndefined();
    expect(readSharedToken({ token: new String('opaque'), expiresAt: BASE + 60_000 }, BASE)).toBeUndefined();
    for (const shared of [null, undefined, 5, '', { token: '' }, { token: 5 }, []]) expect(readSharedToken(shared, BASE)).toBeUndefined();
  });
});
