import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, capturingCoordinator, fakeNetwork, freshJwt, makeJwt, mintingSource, noWake, serial } from '../test/helpers';
import { createTokenClient } from './client';
import { InvalidTokenError, TokenError } from './errors';
import type { Coordinator, CoordinatorHost, FetchTokenResult, TokenEvent } from './types';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const SECRET_LOOKING = 'eyJzdXBlci1zZWNyZXQi';

const now = () => Math.floor(Date.now() / 1000);
const malformed: Array<[string, () => unknown, string]> = [
  // Not a JWT and no expiry beside it: an opaque token needs expiresIn or expiresAt.
  ['not three parts', () => `${SECRET_LOOKING}.abc`, 'no-expiry'],
  ['four parts', () => `${SECRET_LOOKING}.a.b.c`, 'no-expiry'],
  ['non-base64url characters', () => `${SECRET_LOOKING}.pay+load/.sig`, 'no-expiry'],
  ['opaque token with a negative expiresIn', () => ({ token: SECRET_LOOKING, expiresIn: -5 }), 'bad-response'],
  ['opaque token with a NaN expiresAt', () => ({ token: SECRET_LOOKING, expiresAt: Number.NaN }), 'bad-response'],
  ['an empty token', () => ({ token: '', expiresIn: 60 }), 'bad-response'],
  ['payload not JSON', () => `${SECRET_LOOKING}.${Buffer.from('not json').toString('base64url')}.sig`, 'bad-json'],
  ['payload a JSON array', () => `${SECRET_LOOKING}.${Buffer.from('[1]').toString('base64url')}.sig`, 'bad-json'],
  ['no exp', () => makeJwt({ iat: now(), secret: SECRET_LOOKING }), 'missing-claims'],
  ['string exp', () => makeJwt({ iat: now(), exp: String(now() + 60) }), 'missing-claims'],
  ['string nbf', () => makeJwt({ iat: now(), exp: now() + 60, nbf: 'soon' }), 'missing-claims'],
  ['exp <= iat', () => makeJwt({ iat: now(), exp: now() }), 'bad-lifetime'],

  ['a number instead of a token', () => 42, 'bad-response'],
  ['an object without token', () => ({ jwt: 'x' }), 'bad-response'],
];

describe('malformed tokens (rule 12)', () => {
  it.each(malformed)('%s -> InvalidTokenError, nothing cached, no token event', async (_, make, reason) => {
    const events: TokenEvent[] = [];
    const fetchToken = vi.fn(async () => make() as FetchTokenResult);
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake });
    client.subscribe((e) => events.push(e));
    const error = await client.getToken().catch((e) => e);
    expect(InvalidTokenError.is(error)).toBe(true);
    expect(error.reason).toBe(reason);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(client.peekToken()).toBeNull();
    expect(events.some((e) => e.type === 'token')).toBe(false);
    // Never the token in what a developer might log (rule 15).
    expect(String(error)).not.toContain(SECRET_LOOKING);
    expect(error.message).not.toContain(SECRET_LOOKING);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(SECRET_LOOKING);
    client.destroy();
  });

  it('a token already within minValidity of expiry by the server clock -> InvalidTokenError too-short-lived', async () => {
    const fetchToken = vi.fn(async () => ({ token: freshJwt(60, {}, Date.now() - 56_000), serverTime: Date.now() }));
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake });
    const error = await client.getToken().catch((e) => e);
    expect(InvalidTokenError.is(error) && error.reason).toBe('too-short-lived');
    expect(client.peekToken()).toBeNull();
    client.destroy();
  });

  it('a malformed refresh keeps the valid token it already has', async () => {
    const source = mintingSource(60);
    const client = createTokenClient({ fetchToken: source.fetchToken, network: fakeNetwork(), wake: noWake });
    const first = await client.getToken();
    source.fetchToken.mockResolvedValue('garbage');
    await vi.advanceTimersByTimeAsync(44_000);
    expect(await client.getToken()).toBe(first);
    client.destroy();
  });
});

describe('freshness at the door (rule 13)', () => {
  it('a token this client fetched replaces what it holds; a delivered one only when it lasts longer', async () => {
    const { coordinator, host } = capturingCoordinator();
    let release!: (token: string) => void;
    // The answer carries the server's clock: an iat 10 s old is then no evidence the clock is behind.
    const fetchToken = vi.fn(() => new Promise<string>((resolve) => (release = resolve)).then((token) => ({ token, serverTime: Date.now() })));
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    const pending = client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    const older = freshJwt(60, { n: 1 }, Date.now() - 10_000);
    const newer = freshJwt(60, { n: 2 });
    // Another participant delivers while our fetch is in flight: adopted (the key is being read).
    expect(host().offer({}, newer)).toBe(true);
    // Our own fetch's answer is what our caller asked for, and replaces the delivered one: a token
    // this client just fetched is never thrown away for one it only holds.
    release(older);
    expect(serial(await pending)).toBe(1);
    expect(serial(await client.getToken())).toBe(1);
    // A delivery that expires no later than the held token is refused; one that lasts longer wins.
    expect(host().offer({}, freshJwt(40, { n: 3 }))).toBe(false);
    expect(host().offer({}, freshJwt(60, { n: 4 }))).toBe(true);
    expect(serial(client.peekToken())).toBe(4);
    client.destroy();
  });

  it('host.peek answers what this client would serve: the servable token, else null, never for a bad key', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    expect(host().peek({})).toBeNull();
    const token = await client.getToken({ template: 't' });
    expect(host().peek({ template: 't' })?.token).toBe(token);
    expect(host().peek({ template: 7 } as never)).toBeNull();
    await vi.advanceTimersByTimeAsync(56_000);
    expect(host().peek({ template: 't' })?.token).not.toBe(token);
    client.destroy();
  });

  it('offering the token already cached is not a delivery', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    await client.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    const token = freshJwt(60);
    expect(host().offer({}, token)).toBe(true);
    expect(host().offer({}, token)).toBe(false);
    client.destroy();
  });

  it('tells the coordinator why it fetches', async () => {
    const reasons: string[] = [];
    const coordinator: Coordinator = {
      connect: () => ({
        acquire: async (_key, _signal, context) => {
          reasons.push(context?.reason ?? 'none');
          return () => undefined;
        },
        publish: () => undefined,
        invalidate: () => undefined,
        close: () => undefined,
      }),
    };
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    await client.getToken();
    await client.getToken({ skipCache: true });
    await vi.advanceTimersByTimeAsync(43_000);
    expect(reasons).toEqual(['cold', 'forced', 'refresh']);
    client.destroy();
  });

  it('offers are validated: bad key shapes, malformed or expired tokens are refused', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource(30).fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    // A key this client never read: nothing to deliver to, and no entry is made for it.
    expect(host().offer({}, freshJwt(60))).toBe(false);
    expect(client.snapshot().entries).toEqual([]);
    await client.getToken();
    expect(host().offer({ template: 7 } as never, freshJwt(60))).toBe(false);
    expect(host().offer({ bogus: 'x' } as never, freshJwt(60))).toBe(false);
    expect(host().offer({}, 'not.a.jwt!')).toBe(false);
    expect(host().offer({}, freshJwt(60, {}, Date.now() - 58_000))).toBe(false);
    // Judged like its own fetch: not yet valid, issued in the future, a lifetime beyond the bound.
    expect(host().offer({}, freshJwt(60, { nbf: Math.floor(Date.now() / 1000) + 3600 }))).toBe(false);
    expect(host().offer({}, freshJwt(60, {}, Date.now() + 3_600_000))).toBe(false);
    expect(host().offer({}, freshJwt(10 * 365 * 86_400))).toBe(false);
    // An opaque token needs its expiry beside it.
    expect(host().offer({}, 'opaque-token')).toBe(false);
    expect(host().offer({}, { token: 'opaque-token', expiresAt: Date.now() + 60_000, issuedAt: Date.now() })).toBe(true);
    expect(host().offer({}, freshJwt(120))).toBe(true);
    client.destroy();
  });

  it('after clear(), tokens issued before it are refused from other participants', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    const before = freshJwt(60);
    await vi.advanceTimersByTimeAsync(2_000);
    client.clear();
    await client.getToken();
    expect(host().offer({}, before)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(host().offer({}, freshJwt(90))).toBe(true);
    client.destroy();
  });
});

describe('no raw token anywhere a developer logs (rule 15)', () => {
  it('errors from every path carry no token text', async () => {
    const token = freshJwt(60, { secret: SECRET_LOOKING });
    const failures: unknown[] = [
      Object.assign(new Error('upstream'), { status: 503 }),
      Object.assign(new Error('nope'), { status: 400 }),
    ];
    for (const failure of failures) {
      const fetchToken = vi.fn(async () => {
        throw failure;
      });
      const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, foregroundRetryBudget: 0 });
      const error = await client.getToken().catch((e) => e);
      expect(TokenError.is(error)).toBe(true);
      expect(`${error} ${error.stack}`).not.toContain(token.split('.')[1]);
      client.destroy();
    }
  });

  it('snapshots expose claims for display, never the raw token', async () => {
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake });
    const token = await client.getToken();
    expect(JSON.stringify(client.snapshot())).not.toContain(token as string);
    client.destroy();
  });
});
