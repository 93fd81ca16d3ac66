import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, capturingCoordinator, fakeNetwork, freshJwt, makeJwt, mintingSource, noWake, serial } from '../test/helpers';
import { createTokenClient, type TokenClientOptions } from './client';
import { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from './errors';
import { decodeJwt } from './jwt';
import type { Coordinator, CoordinatorHost, FetchToken, FetchTokenResult, TokenEvent } from './types';

// The hostile reviewer's cases from issue 11, one `describe` per item. The model-based test
// (client.model.test.ts) covers the same promises over random interleavings.

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const networkFailure = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
const serverFailure = (extra: Record<string, unknown> = {}) => Object.assign(new Error('unavailable'), { status: 503, ...extra });

function setup(fetchToken: (ctx: never) => Promise<FetchTokenResult>, options: Partial<TokenClientOptions> = {}) {
  const network = fakeNetwork();
  const events: TokenEvent[] = [];
  const client = createTokenClient({ fetchToken: fetchToken as FetchToken, network, wake: noWake, clock: { now: () => Date.now() }, random: () => 0.5, ...options });
  client.subscribe((event) => events.push(event));
  return { client, network, events };
}

/** Lets fake time run until the promise settles (requests after a failure wait out the pacer's gap). */
async function drive<T>(promise: Promise<T>): Promise<T> {
  const box = outcomeOf(promise);
  for (let i = 0; i < 400 && !box.done; i++) await vi.advanceTimersByTimeAsync(50);
  return promise;
}

/** Records the outcome of a promise without awaiting it. */
function outcomeOf<T>(promise: Promise<T>) {
  const box: { value?: T; error?: unknown; done: boolean } = { done: false };
  promise.then(
    (value) => Object.assign(box, { value, done: true }),
    (error) => Object.assign(box, { error, done: true }),
  );
  return box;
}

describe('1. null means signed out and nothing else', () => {
  it.each([
    ['a network failure', networkFailure],
    ['a 5xx', () => serverFailure()],
  ])('a caller who asks again inside the rejection handler (%s) never gets null', async (_, failure) => {
    const fetchToken = vi.fn(async () => {
      throw failure();
    });
    const { client, events } = setup(fetchToken, { foregroundRetryBudget: 1_000 });
    const outcomes: unknown[] = [];
    const again = async (): Promise<void> => {
      try {
        outcomes.push(await client.getToken());
      } catch (error) {
        outcomes.push(error);
        // Ask again right away, from inside the handler, as a retry loop does.
        if (outcomes.length < 6) return again();
      }
    };
    const loop = again();
    await vi.advanceTimersByTimeAsync(30_000);
    await loop;
    expect(outcomes).toHaveLength(6);
    for (const outcome of outcomes) expect(TokenError.is(outcome)).toBe(true);
    expect(events.some((event) => event.type === 'signed-out')).toBe(false);
    client.destroy();
  });

  it('a caller who asks again inside a fetch-error listener is not handed null when the flight gives up', async () => {
    const fetchToken = vi.fn(async () => {
      throw networkFailure();
    });
    const { client } = setup(fetchToken, { foregroundRetryBudget: 300 });
    const fromListener: Array<ReturnType<typeof outcomeOf>> = [];
    client.subscribe((event) => {
      if (event.type === 'fetch-error' && !event.willRetry && fromListener.length < 3) fromListener.push(outcomeOf(client.getToken()));
    });
    const first = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(5_000);
    expect(OfflineError.is(first.error)).toBe(true);
    expect(fromListener.length).toBeGreaterThan(0);
    for (const box of fromListener) {
      expect(box.done).toBe(true);
      expect(box.value).toBeUndefined();
      expect(TokenError.is(box.error)).toBe(true);
    }
    client.destroy();
  });
});

describe('2. no retry storms: a server may lengthen a wait, never shorten it below the floor', () => {
  it.each([
    ['Retry-After: 0', { retryAfter: 0 }],
    ['a negative retryAfter', { retryAfter: -5_000 }],
    ['retryAfter in seconds by mistake (2 ms)', { retryAfter: 2 }],
    ['a NaN retryAfter', { retryAfter: Number.NaN }],
    ['a past HTTP-date', { headers: new Headers({ 'retry-after': 'Sun, 06 Nov 1994 08:49:37 GMT' }) }],
    ['an instant failure with no header', {}],
  ])('%s: a waiting caller causes at most one request per backoff floor', async (_, extra) => {
    const fetchToken = vi.fn(async () => {
      throw Object.assign(new Error('slow down'), { status: 429, ...extra });
    });
    const { client } = setup(fetchToken, { random: () => 0 });
    const result = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(10_000);
    expect(TokenFetchError.is(result.error)).toBe(true);
    // Floors 125, 250, 500, 1000, 2000, 2000 ... ms: 9 requests fit in 10 s, never ~500.
    expect(fetchToken.mock.calls.length).toBeLessThanOrEqual(9);
    client.destroy();
  });

  it('a background refresh against Retry-After: 0 sends a handful of requests in its 17 s window, not hundreds', async () => {
    let fail = false;
    const source = mintingSource(60);
    const fetchToken = vi.fn(async (ctx: never) => {
      if (fail) throw Object.assign(new Error('busy'), { status: 503, retryAfter: 0 });
      return source.fetchToken(ctx);
    });
    const { client } = setup(fetchToken, { random: () => 0 });
    await client.getToken();
    fail = true;
    for (let t = 0; t < 60; t++) {
      client.getToken().catch(() => undefined);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    // 43 s to 60 s: floors 500 ms, 1 s, 2 s, 4 s, 8 s, then the cutoff's own fetch and its retries.
    expect(fetchToken.mock.calls.length).toBeLessThan(25);
    client.destroy();
  });

  it('a caller re-asking right after each rejection cannot beat the floor either (the pacer outlives flights)', async () => {
    const fetchToken = vi.fn(async () => {
      throw Object.assign(new Error('bad request'), { status: 400 });
    });
    const { client } = setup(fetchToken);
    let stop = false;
    const loop = (async () => {
      while (!stop) await client.getToken().catch(() => undefined);
    })();
    await vi.advanceTimersByTimeAsync(1_000);
    stop = true;
    await vi.advanceTimersByTimeAsync(1_000);
    await loop;
    // One request per 125 ms gap at most.
    expect(fetchToken.mock.calls.length).toBeLessThanOrEqual(10);
    client.destroy();
  });

  it("an idle key is not evicted with its pacer while the server's Retry-After holds: a read from the eviction listener waits it out", async () => {
    // Found by the model test: a background fetch for a key nobody read lately failed, the key was
    // evicted as idle, and its pacer went with it: the next read fetched at once (there 65 ms
    // after the failure; here 59 s into a 120 s Retry-After).
    // `retryAfter` in ms, as sources report it.
    const answer = { status: 429, retryAfter: 120_000 };
    const floor = 120_000;
    const requests: number[] = [];
    const failures: number[] = [];
    const fetchToken = vi.fn(async () => {
      requests.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      failures.push(Date.now());
      throw Object.assign(new Error('busy'), answer);
    });
    const { client } = setup(fetchToken, { foregroundRetryBudget: 1_000 });
    let readOnEviction = false;
    client.subscribe((event) => {
      if (event.type !== 'evicted' || readOnEviction) return;
      readOnEviction = true;
      void client.getToken().catch(() => undefined);
    });
    void client.getToken().catch(() => undefined);
    for (let s = 0; s < 400 && !readOnEviction; s++) await vi.advanceTimersByTimeAsync(1_000);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(readOnEviction).toBe(true);
    expect(requests.length).toBeGreaterThan(1);
    for (let i = 1; i < requests.length; i++) {
      const lastFailure = Math.max(...failures.filter((at) => at <= (requests[i] as number)));
      expect((requests[i] as number) - lastFailure).toBeGreaterThanOrEqual(floor);
    }
    client.destroy();
  });

  it('an HTTP-date Retry-After is read against the server clock, not a local clock 10 minutes fast', async () => {
    const skew = 600_000;
    let calls = 0;
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => {
      calls++;
      const serverNow = Date.now();
      if (calls === 1) return { token: freshJwt(60, {}, serverNow), serverTime: serverNow };
      if (calls === 2) {
        // No Date header on the error: the client must use what it learned of the server clock.
        throw Object.assign(new Error('busy'), { status: 503, headers: new Headers({ 'retry-after': new Date(serverNow + 8_000).toUTCString() }) });
      }
      return { token: freshJwt(60, {}, serverNow), serverTime: serverNow };
    });
    const { client } = setup(fetchToken, { clock: { now: () => Date.now() + skew } });
    await client.getToken();
    const result = outcomeOf(client.getToken({ skipCache: true }));
    await vi.advanceTimersByTimeAsync(6_000);
    // Measured on a clock 10 minutes fast the date is long past, and the retry would go at once.
    expect(fetchToken).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(fetchToken).toHaveBeenCalledTimes(3);
    expect(result.done && typeof result.value).toBe('string');
    client.destroy();
  });
});


describe('3. tokens from the future never pin the cache', () => {
  it('a token whose nbf is an hour ahead (skewed issuer node) is refused; the next good one is served', async () => {
    let future = true;
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => {
      const serverNow = Date.now();
      const token = future ? freshJwt(60, { nbf: Math.floor(serverNow / 1000) + 3600 }, serverNow + 3_600_000) : freshJwt(60, {}, serverNow);
      return { token, serverTime: serverNow };
    });
    const { client } = setup(fetchToken);
    const first = await client.getToken().catch((e) => e);
    expect(InvalidTokenError.is(first)).toBe(true);
    future = false;
    const next = await drive(client.getToken());
    expect(decodeJwt(next).nbf).toBeUndefined();
    client.destroy();
  });

  it('a token issued now but valid only from a minute ahead (nbf) is refused, from a fetch or a delivery', async () => {
    const { coordinator, host } = capturingCoordinator();
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => ({ token: freshJwt(300, { nbf: Math.floor(Date.now() / 1000) + 60 }), serverTime: Date.now() }));
    const { client } = setup(fetchToken, { coordinator });
    const error = await client.getToken().catch((e) => e);
    expect(error.reason).toBe('not-yet-valid');
    expect(host().offer({}, freshJwt(300, { nbf: Math.floor(Date.now() / 1000) + 60 }))).toBe(false);
    client.destroy();
  });

  it('a token minted earlier in the very second of a sign-out is refused from a coordinator', async () => {
    const { coordinator, host } = capturingCoordinator();
    const source = mintingSource(60, { withServerTime: true });
    vi.setSystemTime(T0 + 400);
    const { client } = setup(source.fetchToken as never, { coordinator });
    await client.getToken();
    const minted = freshJwt(120, { n: 50 });
    await vi.advanceTimersByTimeAsync(300);
    client.clear();
    await client.getToken();
    // Same whole second as the sign-out (iat has no milliseconds): it could be from before it.
    expect(host().offer({}, minted)).toBe(false);
    client.destroy();
  });

  it('a future token planted by a coordinator is refused, and skipCache returns the token minted for that call', async () => {
    const { coordinator, host } = capturingCoordinator();
    const source = mintingSource(60, { withServerTime: true });
    const { client } = setup(source.fetchToken as never, { coordinator });
    const held = await client.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(host().offer({}, freshJwt(60, { n: 99 }, Date.now() + 3_600_000))).toBe(false);
    const forced = await client.getToken({ skipCache: true });
    expect(forced).not.toBe(held);
    expect(serial(forced)).toBe(2);
    client.destroy();
  });

  it('when the token server’s clock steps back 10 minutes, newly fetched tokens still replace the held one', async () => {
    let serverOffset = 0;
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => {
      const serverNow = Date.now() + serverOffset;
      return { token: freshJwt(60, { at: serverNow }, serverNow), serverTime: serverNow };
    });
    const { client } = setup(fetchToken);
    const before = await client.getToken();
    serverOffset = -600_000;
    // Two answers agree on the step; from then on every forced refresh hands out the new token.
    await drive(client.getToken({ skipCache: true })).catch(() => undefined);
    const after = await drive(client.getToken({ skipCache: true }));
    expect(after).not.toBe(before);
    expect(await client.getToken()).toBe(after);
    client.destroy();
  });
});

describe('a real server clock step costs one more request, not an error', () => {
  it('the token server’s clock jumps 5 minutes ahead: the caller still gets a token, after a second answer confirms the step', async () => {
    let serverOffset = 0;
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => {
      const serverNow = Date.now() + serverOffset;
      return { token: freshJwt(60, {}, serverNow), serverTime: Math.floor(serverNow / 1000) * 1000 };
    });
    const { client } = setup(fetchToken);
    await client.getToken();
    serverOffset = 300_000;
    const token = await drive(client.getToken({ skipCache: true }));
    expect((decodeJwt(token).iat as number) * 1000).toBeGreaterThan(Date.now() + 290_000);
    expect(fetchToken).toHaveBeenCalledTimes(3);
    client.destroy();
  });
});

describe('4. minValidity is a guarantee by the server clock', () => {
  it('a client clock 10 minutes slow still never serves a token with minValidity or less left', async () => {
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => ({ token: freshJwt(60, {}, Date.now()), serverTime: Date.now() }));
    const { client } = setup(fetchToken, { clock: { now: () => Date.now() - 600_000 }, minValidity: 30 });
    for (let t = 0; t < 180; t++) {
      const token = await client.getToken();
      expect((decodeJwt(token).exp as number) * 1000 - Date.now()).toBeGreaterThan(30_000);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    client.destroy();
  });
});

describe('6. what a coordinator may deliver is bounded', () => {
  it('2 000 tokens for keys never read make no entries; a 10-year token is refused', async () => {
    const { coordinator, host } = capturingCoordinator();
    const { client } = setup(mintingSource(60).fetchToken as never, { coordinator });
    for (let i = 0; i < 2_000; i++) host().offer({ template: `t${i}` }, freshJwt(300));
    expect(client.snapshot().entries).toHaveLength(0);
    await client.getToken();
    expect(host().offer({}, freshJwt(10 * 365 * 86_400))).toBe(false);
    client.destroy();
  });

  it('clear() inside a token listener: the pre-sign-out token is not published', async () => {
    const published: string[] = [];
    const coordinator: Coordinator = {
      connect: () => ({
        acquire: async () => () => undefined,
        publish: (_key, record) => published.push(record.token),
        invalidate: () => undefined,
        close: () => undefined,
      }),
    };
    const { client } = setup(mintingSource(60).fetchToken as never, { coordinator });
    const unsubscribe = client.subscribe((event) => {
      if (event.type === 'token') {
        unsubscribe();
        client.clear();
      }
    });
    await client.getToken().catch(() => undefined);
    expect(published).toEqual([]);
    client.destroy();
  });
});

describe('7. no leaks, no token text in errors', () => {
  it('keys first read while offline are evicted once idle', async () => {
    const { client, network } = setup(mintingSource(60).fetchToken as never);
    network.set(false);
    for (let i = 0; i < 2_000; i++) await client.getToken({ template: `k${i}` }).catch(() => undefined);
    expect(client.snapshot().entries).toHaveLength(2_000);
    await vi.advanceTimersByTimeAsync(6 * 3_600_000);
    expect(client.snapshot().entries).toHaveLength(0);
    client.destroy();
  });

  it('a bad-json error has no cause carrying the payload text', async () => {
    const secret = 'super-secret-payload-text';
    const token = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"sub": ${secret}`).toString('base64url')}.sig`;
    const { client } = setup(async () => token);
    const error = await client.getToken().catch((e) => e);
    expect(error.reason).toBe('bad-json');
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify({ message: error.message, stack: error.stack })).not.toContain(secret);
    client.destroy();
  });
});

describe('8. bad input gets a clear, typed error', () => {
  it('getToken with a string (not an options object) rejects instead of returning the default token', async () => {
    const { client } = setup(mintingSource(60).fetchToken as never);
    await expect(client.getToken('supabase' as never)).rejects.toThrow(TypeError);
    await expect(client.getToken(null as never)).rejects.toThrow(TypeError);
    await expect(client.getToken({ skipCache: 'yes' } as never)).rejects.toThrow(TypeError);
    client.destroy();
  });

  it('bad arguments are refused just the same when the cache is hot (the hit path checks nothing it can skip)', async () => {
    const { client } = setup(mintingSource(60).fetchToken as never);
    await client.getToken();
    await client.getToken({ template: 'a' });
    // Hits now take the short path; each malformed call must still reach the checks.
    expect(await client.getToken()).toBeTypeOf('string');
    await expect(client.getToken('supabase' as never)).rejects.toThrow(TypeError);
    await expect(client.getToken([] as never)).rejects.toThrow(TypeError);
    await expect(client.getToken({ template: 1 } as never)).rejects.toThrow(TypeError);
    await expect(client.getToken({ template: 'a', organizationId: 1 } as never)).rejects.toThrow(TypeError);
    await expect(client.getToken({ template: 'a', skipCache: 'yes' } as never)).rejects.toThrow(TypeError);
    client.destroy();
    await expect(client.getToken()).rejects.toMatchObject({ code: 'destroyed' });
  });

  it.each([
    ['requestTimeout', 0],
    ['requestTimeout', -1],
    ['foregroundRetryBudget', Number.NaN],
    ['minValidity', Number.POSITIVE_INFINITY],
    ['maxTokenLifetime', 0],
    ['refreshMargin', 17],
    ['random', 'not a function'],
  ])('%s: %s is refused at creation', (name, value) => {
    expect(() => createTokenClient({ fetchToken: async () => null, [name]: value })).toThrow(TypeError);
  });

  it('in Node, a server that answers (even with a 503) proves the network is back: online, before any token', async () => {
    let answer: 'network' | 'server' = 'network';
    const fetchToken = vi.fn(async () => {
      throw answer === 'network' ? networkFailure() : Object.assign(new Error('busy'), { status: 503 });
    });
    const network = { observable: false, isOnline: () => true, subscribe: () => () => undefined };
    const { client, events } = setup(fetchToken, { network, foregroundRetryBudget: 1_000 });
    const first = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(OfflineError.is(first.error)).toBe(true);
    expect(client.isOnline()).toBe(false);
    answer = 'server';
    const second = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(TokenFetchError.is(second.error)).toBe(true);
    expect(client.isOnline()).toBe(true);
    expect(events.filter((event) => event.type === 'offline' || event.type === 'online').map((event) => event.type)).toEqual(['offline', 'online']);
    client.destroy();
  });

  it('where the network is observable, failures never emit offline/online: only the network source does', async () => {
    const fetchToken = vi.fn(async () => {
      throw networkFailure();
    });
    const { client, events } = setup(fetchToken, { foregroundRetryBudget: 1_000 });
    const first = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(first.done).toBe(true);
    expect(client.isOnline()).toBe(true);
    expect(events.some((event) => event.type === 'offline' || event.type === 'online')).toBe(false);
    client.destroy();
  });

  it('in Node (unobservable network) isOnline() reflects what failures taught, with offline/online events', async () => {
    let fail = true;
    const source = mintingSource(60);
    const fetchToken = vi.fn(async (ctx: never) => {
      if (fail) throw networkFailure();
      return source.fetchToken(ctx);
    });
    const network = { observable: false, isOnline: () => true, subscribe: () => () => undefined };
    const { client, events } = setup(fetchToken, { network, foregroundRetryBudget: 1_000 });
    expect(client.isOnline()).toBe(true);
    const result = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(OfflineError.is(result.error)).toBe(true);
    expect(client.isOnline()).toBe(false);
    expect(events.filter((event) => event.type === 'offline')).toHaveLength(1);
    fail = false;
    const next = outcomeOf(client.getToken());
    await vi.advanceTimersByTimeAsync(500);
    expect(typeof next.value).toBe('string');
    expect(client.isOnline()).toBe(true);
    expect(events.filter((event) => event.type === 'online')).toHaveLength(1);
    client.destroy();
  });
});

describe('opaque tokens', () => {
  it('an opaque token with expiresIn is cached, refreshed at its margin, and cut off minValidity before expiry', async () => {
    let n = 0;
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => ({ token: `opaque-${++n}`, expiresIn: 60, serverTime: Date.now() }));
    const { client, events } = setup(fetchToken);
    expect(await client.getToken()).toBe('opaque-1');
    expect(await client.getToken()).toBe('opaque-1');
    expect(fetchToken).toHaveBeenCalledTimes(1);
    const event = events.find((e) => e.type === 'token');
    expect(event && event.type === 'token' && event.claims).toBeUndefined();
    await vi.advanceTimersByTimeAsync(44_000);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(await client.getToken()).toBe('opaque-2');
    const entry = client.snapshot().entries[0];
    expect(entry?.expiresAt).toBe(T0 + 43_000 + 60_000);
    client.destroy();
  });

  it('a JWT without iat works; with expiresIn beside it the earlier expiry wins', async () => {
    const exp = Math.floor(T0 / 1000) + 300;
    const fetchToken = vi.fn(async (): Promise<FetchTokenResult> => ({ token: makeJwt({ exp }), expiresIn: 60, serverTime: Date.now() }));
    const { client } = setup(fetchToken);
    await client.getToken();
    expect(client.snapshot().entries[0]?.expiresAt).toBe(T0 + 60_000);
    client.destroy();
  });
});
