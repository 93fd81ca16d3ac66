import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt, mintingSource, noWake } from '../test/helpers';
import { createTokenClient, type TokenClientOptions } from './client';
import { OfflineError, TokenError, TokenFetchError } from './errors';
import type { FetchTokenContext, TokenEvent } from './types';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: Partial<TokenClientOptions> = {}, ttl = 60) {
  const network = fakeNetwork();
  const source = mintingSource(ttl);
  const events: TokenEvent[] = [];
  const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now() }, random: () => 0.5, ...options });
  client.subscribe((event) => events.push(event));
  return { client, network, source, events };
}

const networkFailure = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });

/** Settles a promise while fake time advances, returning how long (fake ms) it took. */
async function settle<T>(promise: Promise<T>, step = 50, limit = 60_000) {
  const start = Date.now();
  let outcome: { value?: T; error?: unknown } | undefined;
  promise.then(
    (value) => {
      outcome = { value };
    },
    (error) => {
      outcome = { error };
    },
  );
  await vi.advanceTimersByTimeAsync(0);
  while (!outcome && Date.now() - start < limit) await vi.advanceTimersByTimeAsync(step);
  return { ...outcome, elapsed: Date.now() - start };
}

describe('offline (rule 9)', () => {
  it('rejects with OfflineError at once, without calling fetchToken, when offline with no usable token', async () => {
    const { client, network, source } = setup();
    network.set(false);
    const started = performance.now();
    const result = await settle(client.getToken());
    expect(performance.now() - started).toBeLessThan(50);
    expect(result.elapsed).toBe(0);
    expect(OfflineError.is(result.error)).toBe(true);
    expect(source.fetchToken).not.toHaveBeenCalled();
  });

  it('returns a usable cached token while offline', async () => {
    const { client, network, source } = setup();
    const token = await client.getToken();
    network.set(false);
    expect(await client.getToken()).toBe(token);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('does not refresh while offline, and refreshes every due or expired recently read key when back online', async () => {
    const { client, network, source } = setup();
    await Promise.all([client.getToken({ template: 'a' }), client.getToken({ template: 'b' }), client.getToken({ template: 'idle' })]);
    network.set(false);
    await vi.advanceTimersByTimeAsync(56_000);
    await expect(client.getToken({ template: 'a' }).catch((e) => e)).resolves.toBeInstanceOf(OfflineError);
    await expect(client.getToken({ template: 'b' }).catch((e) => e)).resolves.toBeInstanceOf(OfflineError);
    const before = source.fetchToken.mock.calls.length;
    await vi.advanceTimersByTimeAsync(50_000);
    const whileOffline = source.fetchToken.mock.calls.length - before;
    expect(whileOffline).toBe(0);
    client.getToken({ template: 'a' }).catch(() => undefined);
    client.getToken({ template: 'b' }).catch(() => undefined);
    network.set(true);
    await vi.advanceTimersByTimeAsync(0);
    const refreshed = source.calls.slice(before).map((c) => c.template);
    expect(refreshed.sort()).toEqual(['a', 'b']);
    expect(client.peekToken({ template: 'a' })).not.toBeNull();
  });

  it('offline, a token in its refresh window is served without starting refreshes that cannot run', async () => {
    const { client, network, events } = setup();
    const token = await client.getToken();
    network.set(false);
    await vi.advanceTimersByTimeAsync(44_000);
    for (let i = 0; i < 5; i++) expect(await client.getToken()).toBe(token);
    expect(events.filter((e) => e.type === 'fetch-start')).toHaveLength(1);
  });

  it('going offline during a retry loop answers waiting callers at once', async () => {
    const { client, network, source } = setup();
    source.fetchToken.mockRejectedValue(networkFailure());
    const pending = client.getToken();
    await vi.advanceTimersByTimeAsync(300);
    network.set(false);
    const result = await settle(pending);
    expect(result.elapsed).toBe(0);
    expect(OfflineError.is(result.error)).toBe(true);
  });
});

describe('failures while online (rule 10)', () => {
  it('retries network failures within the 10 s budget, then OfflineError with the last failure as cause', async () => {
    const { client, source } = setup({ random: () => 0.999 });
    const failure = networkFailure();
    source.fetchToken.mockRejectedValue(failure);
    const result = await settle(client.getToken());
    expect(result.error).toBeInstanceOf(OfflineError);
    expect((result.error as OfflineError).cause).toBe(failure);
    expect(result.elapsed).toBeLessThanOrEqual(10_000);
    // Delays just under 250, 500, 1000, 2000, 4000, 4000 ms: six tries fit, the seventh would not.
    expect(source.fetchToken.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(source.fetchToken.mock.calls.length).toBeLessThanOrEqual(7);
  });

  it('recovers within the budget when the network comes back', async () => {
    const { client, source } = setup();
    source.fetchToken.mockRejectedValueOnce(networkFailure()).mockRejectedValueOnce(networkFailure());
    const result = await settle(client.getToken());
    expect(typeof result.value).toBe('string');
    expect(source.fetchToken).toHaveBeenCalledTimes(3);
  });

  it('5xx: retries within the budget, then TokenFetchError with the status', async () => {
    const { client, source } = setup();
    source.fetchToken.mockRejectedValue(Object.assign(new Error('boom'), { status: 503 }));
    const result = await settle(client.getToken());
    expect(TokenFetchError.is(result.error)).toBe(true);
    expect((result.error as TokenFetchError).status).toBe(503);
    expect(source.fetchToken.mock.calls.length).toBeGreaterThan(2);
  });

  it('429 honours Retry-After exactly (no jitter) and gives up when it exceeds the budget', async () => {
    const { client, source } = setup();
    const times: number[] = [];
    source.fetchToken.mockImplementation(async () => {
      times.push(Date.now());
      if (times.length === 1) throw new TokenFetchError(429, { retryAfter: 3_000 });
      return freshJwt(60);
    });
    const ok = await settle(client.getToken(), 10);
    expect(typeof ok.value).toBe('string');
    expect(times[1]! - times[0]!).toBe(3_000);

    const second = setup();
    second.source.fetchToken.mockRejectedValue(new TokenFetchError(429, { retryAfter: 60_000 }));
    const refused = await settle(second.client.getToken());
    expect((refused.error as TokenFetchError).status).toBe(429);
    expect((refused.error as TokenFetchError).retryAfter).toBe(60_000);
    expect(refused.elapsed).toBe(0);
    expect(second.source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('reads Retry-After from an error carrying fetch Response headers', async () => {
    const { client, source } = setup();
    const times: number[] = [];
    source.fetchToken.mockImplementation(async () => {
      times.push(Date.now());
      if (times.length === 1) throw Object.assign(new Error('rate limited'), { status: 429, headers: new Headers({ 'retry-after': '2' }) });
      return freshJwt(60);
    });
    await settle(client.getToken(), 10);
    expect(times[1]! - times[0]!).toBe(2_000);
  });

  it('other 4xx: no retry, TokenFetchError', async () => {
    const { client, source } = setup();
    source.fetchToken.mockRejectedValue(Object.assign(new Error('bad'), { status: 400 }));
    const result = await settle(client.getToken());
    expect((result.error as TokenFetchError).status).toBe(400);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it.each([401, 403, 404, 422])('%i means signed out: null, a signed-out event, the cache cleared', async (status) => {
    const { client, source, events } = setup();
    await client.getToken({ template: 'other' });
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('no session'), { status }));
    expect(await client.getToken()).toBeNull();
    expect(events.some((e) => e.type === 'signed-out')).toBe(true);
    expect(client.peekToken({ template: 'other' })).toBeNull();
    expect(client.snapshot().entries).toHaveLength(0);
  });

  it('fetchToken resolving null means signed out', async () => {
    const { client, source, events } = setup();
    source.fetchToken.mockResolvedValueOnce(null);
    expect(await client.getToken()).toBeNull();
    expect(events.map((e) => e.type)).toContain('signed-out');
  });

  it('rethrows an unknown error from fetchToken unchanged (a bug, not a network problem)', async () => {
    const { client, source } = setup();
    const bug = new RangeError('oops');
    source.fetchToken.mockRejectedValue(bug);
    await expect(client.getToken()).rejects.toBe(bug);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('in Node (unobservable network) learns from failures: after one exhausted budget, the next caller gets one try', async () => {
    const network = { ...fakeNetwork(), observable: false };
    const { client, source } = setup({ network });
    source.fetchToken.mockRejectedValue(networkFailure());
    const first = await settle(client.getToken());
    expect(first.error).toBeInstanceOf(OfflineError);
    const calls = source.fetchToken.mock.calls.length;
    const second = await settle(client.getToken());
    expect(second.error).toBeInstanceOf(OfflineError);
    expect(source.fetchToken.mock.calls.length - calls).toBe(1);
    // One success and it trusts the network again.
    source.fetchToken.mockImplementation(async () => freshJwt(60));
    expect(typeof (await settle(client.getToken())).value).toBe('string');
  });
});

describe('per-attempt timeout (rule 11)', () => {
  it('aborts a hung attempt after requestTimeout, signals the source, and retries', async () => {
    const { client, source } = setup({ requestTimeout: 2_000, foregroundRetryBudget: 10_000 });
    const signals: AbortSignal[] = [];
    source.fetchToken.mockImplementationOnce((ctx: FetchTokenContext) => {
      signals.push(ctx.signal);
      return new Promise(() => undefined); // never settles, ignores its signal
    });
    const result = await settle(client.getToken());
    expect(typeof result.value).toBe('string');
    expect(signals[0]!.aborted).toBe(true);
    expect(result.elapsed).toBeGreaterThanOrEqual(2_000);
    expect(result.elapsed).toBeLessThan(3_000);
  });

  it('a key whose every attempt hangs answers OfflineError, never blocks forever', async () => {
    const { client, source } = setup({ requestTimeout: 3_000 });
    source.fetchToken.mockImplementation(() => new Promise(() => undefined));
    const result = await settle(client.getToken());
    expect(result.error).toBeInstanceOf(OfflineError);
    expect(result.elapsed).toBeLessThanOrEqual(10_000);
  });
});

describe('clear() and destroy() (rule 14)', () => {
  it('clear() during a fetch aborts it; pending callers get null and the late result is dropped', async () => {
    const { client, source } = setup();
    let signal!: AbortSignal;
    let finish!: () => void;
    source.fetchToken.mockImplementationOnce(async (ctx: FetchTokenContext) => {
      signal = ctx.signal;
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return freshJwt(60);
    });
    const pending = Promise.all([client.getToken(), client.getToken()]);
    await vi.advanceTimersByTimeAsync(0);
    client.clear();
    expect(signal.aborted).toBe(true);
    finish();
    expect(await pending).toEqual([null, null]);
    expect(client.peekToken()).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('clear() reports a sign-out (cleared, then signed-out); destroy() does not', async () => {
    const { client, events } = setup();
    await client.getToken();
    client.clear();
    expect(events.slice(-2).map((e) => e.type)).toEqual(['cleared', 'signed-out']);
    await client.getToken();
    const before = events.length;
    client.destroy();
    expect(events.slice(before).map((e) => e.type)).toEqual(['cleared']);
  });

  it('clear() drops tokens and timers; the next read fetches anew', async () => {
    const { client, source } = setup();
    await client.getToken();
    client.clear();
    expect(vi.getTimerCount()).toBe(0);
    await client.getToken();
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('destroy() leaves zero timers and listeners; later calls reject with code destroyed', async () => {
    const wakeListeners = new Set<() => void>();
    const { client, network, source } = setup({
      wake: {
        subscribe(listener) {
          wakeListeners.add(listener);
          return () => wakeListeners.delete(listener);
        },
      },
    });
    source.fetchToken.mockRejectedValueOnce(networkFailure());
    const inFlight = client.getToken();
    await Promise.all([client.getToken({ template: 'a' }), client.getToken({ template: 'b' })]);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    expect(network.subscribers).toBe(1);
    client.destroy();
    expect(await inFlight).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
    expect(network.subscribers).toBe(0);
    expect(wakeListeners.size).toBe(0);
    const error = await client.getToken().catch((e) => e);
    expect(TokenError.is(error)).toBe(true);
    expect(error.code).toBe('destroyed');
    expect(client.destroyed).toBe(true);
    client.destroy();
    client.clear();
  });
});
