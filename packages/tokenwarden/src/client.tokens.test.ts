import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt, makeJwt, mintingSource, noWake, serial } from '../test/helpers';
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
  ['not three parts', () => `${SECRET_LOOKING}.abc`, 'not-a-jwt'],
  ['four parts', () => `${SECRET_LOOKING}.a.b.c`, 'not-a-jwt'],
  ['non-base64url characters', () => `${SECRET_LOOKING}.pay+load/.sig`, 'not-a-jwt'],
  ['payload not JSON', () => `${SECRET_LOOKING}.${Buffer.from('not json').toString('base64url')}.sig`, 'bad-json'],
  ['payload a JSON array', () => `${SECRET_LOOKING}.${Buffer.from('[1]').toString('base64url')}.sig`, 'bad-json'],
  ['no exp', () => makeJwt({ iat: now(), secret: SECRET_LOOKING }), 'missing-claims'],
  ['string exp', () => makeJwt({ iat: now(), exp: String(now() + 60) }), 'missing-claims'],
  ['no iat', () => makeJwt({ exp: now() + 60 }), 'missing-claims'],
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

/** A coordinator that hands its host to the test, to deliver tokens "from elsewhere". */
function capturingCoordinator() {
  let host!: CoordinatorHost;
  const coordinator: Coordinator = {
    connect(h) {
      host = h;
      return { acquire: async () => () => undefined, publish: () => undefined, invalidate: () => undefined, close: () => undefined };
    },
  };
  return { coordinator, host: () => host };
}

describe('monotonic cache (rule 13)', () => {
  it('a staler token never replaces a fresher one, whatever order they arrive in', async () => {
    const { coordinator, host } = capturingCoordinator();
    let release!: (token: string) => void;
    const fetchToken = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    const pending = client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    const older = freshJwt(60, { n: 1 }, Date.now() - 10_000);
    const newer = freshJwt(60, { n: 2 });
    // The fresher token arrives from another participant while our (staler) fetch is in flight.
    expect(host().offer({}, newer)).toBe(true);
    release(older);
    expect(serial(await pending)).toBe(2);
    expect(serial(await client.getToken())).toBe(2);
    // Equal iat: the later exp wins; an earlier one is refused.
    const sameIatShorter = freshJwt(50, { n: 3 });
    expect(host().offer({}, sameIatShorter)).toBe(false);
    expect(serial(client.peekToken())).toBe(2);
    client.destroy();
  });

  it('host.peek answers what this client would serve: the servable token, else null, never for a bad key', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    expect(host().peek({})).toBeNull();
    const token = await client.getToken({ template: 't' });
    expect(host().peek({ template: 't' })).toBe(token);
    expect(host().peek({ template: 7 } as never)).toBeNull();
    await vi.advanceTimersByTimeAsync(56_000);
    expect(host().peek({ template: 't' })).not.toBe(token);
    client.destroy();
  });

  it('offering the token already cached is not a delivery', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
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
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    expect(host().offer({ template: 7 } as never, freshJwt(60))).toBe(false);
    expect(host().offer({ bogus: 'x' } as never, freshJwt(60))).toBe(false);
    expect(host().offer({}, 'not.a.jwt!')).toBe(false);
    expect(host().offer({}, freshJwt(60, {}, Date.now() - 58_000))).toBe(false);
    expect(host().offer({}, freshJwt(60))).toBe(true);
    client.destroy();
  });

  it('after clear(), tokens issued before it are refused from other participants', async () => {
    const { coordinator, host } = capturingCoordinator();
    const client = createTokenClient({ fetchToken: mintingSource().fetchToken, network: fakeNetwork(), wake: noWake, coordinator });
    const before = freshJwt(60);
    await vi.advanceTimersByTimeAsync(2_000);
    client.clear();
    expect(host().offer({}, before)).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(host().offer({}, freshJwt(60))).toBe(true);
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
