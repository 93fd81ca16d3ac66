import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt, mintingSource, noWake, serial } from '../test/helpers';
import { createTokenClient, type TokenClientOptions } from './client';
import type { FetchTokenContext, TokenEvent } from './types';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(ttl = 60, options: Partial<TokenClientOptions> = {}) {
  const network = fakeNetwork();
  const source = mintingSource(ttl);
  const events: TokenEvent[] = [];
  const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now() }, ...options });
  client.subscribe((event) => events.push(event));
  return { client, network, source, events };
}

/** Keeps a key "in use" (read every second) for `seconds`. */
async function readFor(client: ReturnType<typeof setup>['client'], seconds: number, options = {}) {
  for (let i = 0; i < seconds; i++) {
    await client.getToken(options);
    await vi.advanceTimersByTimeAsync(1_000);
  }
}

describe('proactive refresh at exp - margin (rule 3)', () => {
  // A 10 s token's refresh point (5 s) is at its cutoff, which is judged on the server clock's late
  // end: one second earlier while the only reading of that clock is a whole-second iat.
  it.each([
    [60, 43],
    [300, 270],
    [10, 4],
    [3600, 3240],
  ])('a %i s token refreshes %i s in, not before', async (ttl, at) => {
    const { client, source } = setup(ttl);
    await client.getToken();
    // Clock bounds widen by 100 ppm of drift as a reading ages: 0.3 s over an hour.
    await vi.advanceTimersByTimeAsync(at * 1000 * (1 - 1e-4) - 100);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    // Reads keep the key active without triggering anything early.
    await client.getToken();
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('for a 60 s token: no request at 42.9 s, exactly one by 43.5 s', async () => {
    const { client, source } = setup(60);
    await client.getToken();
    await vi.advanceTimersByTimeAsync(42_900);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('plans from the token’s real remaining lifetime: issued 30 s ago (server time known) -> refresh 13 s later', async () => {
    const fetchToken = vi.fn(async () => ({ token: freshJwt(60, {}, Date.now() - 30_000), serverTime: Date.now() }));
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, clock: { now: () => Date.now() } });
    await client.getToken();
    await vi.advanceTimersByTimeAsync(12_900);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    client.destroy();
  });

  it('refreshes once per cycle for as long as the key is read', async () => {
    const { client, source } = setup(60);
    await readFor(client, 300);
    // 300 s of reads: fetch at 0, 43, 86, 129, 172, 215, 258 -> 7 requests.
    expect(source.fetchToken).toHaveBeenCalledTimes(7);
  });
});

describe('stale-while-revalidate (rule 4)', () => {
  it('serves the current token at once while the refresh is in flight, then the new one with no request', async () => {
    let release!: () => void;
    const { client, source } = setup(60);
    const first = await client.getToken();
    const original = source.fetchToken.getMockImplementation()!;
    source.fetchToken.mockImplementation(async (ctx: FetchTokenContext) => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return original(ctx);
    });
    await vi.advanceTimersByTimeAsync(43_100);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    const during = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));
    expect(new Set(during)).toEqual(new Set([first]));
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    release();
    await vi.advanceTimersByTimeAsync(0);
    const after = await client.getToken();
    expect(serial(after)).toBe(serial(first) + 1);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('on refresh failure keeps serving the old token until the cutoff and retries in the background with jitter', async () => {
    const { client, source, events } = setup(60, { random: () => 0.5 });
    const first = await client.getToken();
    source.fetchToken.mockRejectedValue(Object.assign(new Error('bad gateway'), { status: 502 }));
    await vi.advanceTimersByTimeAsync(43_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    // Background retries: 0.75 of 1 s, 2 s, 4 s, 8 s ... (equal jitter) until the token expires.
    for (let t = 43; t < 54; t++) {
      expect(await client.getToken()).toBe(first);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    const attempts = source.fetchToken.mock.calls.length;
    expect(attempts).toBeGreaterThanOrEqual(4);
    const failures = events.filter((e) => e.type === 'fetch-error');
    expect(failures.length).toBe(attempts - 1);
    const delays = failures.map((e) => (e.type === 'fetch-error' ? e.retryIn : undefined)).filter((d) => d !== undefined);
    expect(delays.slice(0, 4)).toEqual([750, 1_500, 3_000, 6_000]);
    // Past the cutoff the old token is never handed out.
    await vi.advanceTimersByTimeAsync(2_000);
    source.fetchToken.mockImplementation(async () => freshJwt(60));
    const next = await client.getToken();
    expect(next).not.toBe(first);
  });

  it('background retries cap at 30 s and stop once the token has expired', async () => {
    const { client, source } = setup(3600, { random: () => 0.999 });
    await client.getToken();
    source.fetchToken.mockRejectedValue(Object.assign(new Error('unavailable'), { status: 503 }));
    // Keep the key read so it stays active through its refresh window (360 s long).
    await vi.advanceTimersByTimeAsync(3_240_000);
    const startCalls = source.fetchToken.mock.calls.length;
    await vi.advanceTimersByTimeAsync(360_000);
    const during = source.fetchToken.mock.calls.length - startCalls;
    // 360 s with delays 1, 2, 4, 8, 16, then 30 s: about 6 + 10 attempts, never more than one per second.
    expect(during).toBeGreaterThan(10);
    expect(during).toBeLessThan(20);
    // At most the one fetch at the cutoff for a key read recently; then nothing once it expired.
    await vi.advanceTimersByTimeAsync(600_000);
    const after = source.fetchToken.mock.calls.length - startCalls;
    expect(after).toBeLessThanOrEqual(during + 1);
    await vi.advanceTimersByTimeAsync(600_000);
    expect(source.fetchToken.mock.calls.length - startCalls).toBe(after);
  });
});

describe('hard cutoff (rule 5)', () => {
  it('never returns a token with minValidity or less left; the caller awaits a fresh one', async () => {
    const { client, source } = setup(60);
    const first = await client.getToken();
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 500 }));
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 500 }));
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 500 }));
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 500 }));
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 500 }));
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 500 }));
    await vi.advanceTimersByTimeAsync(55_000);
    const pending = client.getToken();
    await vi.advanceTimersByTimeAsync(20_000);
    const next = await pending;
    expect(next).not.toBe(first);
    expect(serial(next)).toBeGreaterThan(serial(first));
  });

  it('a wall clock set forward makes the token look expired: a fresh one is fetched', async () => {
    const { client, source } = setup(60);
    const first = await client.getToken();
    vi.setSystemTime(Date.now() + 120_000);
    const next = await client.getToken();
    expect(next).not.toBe(first);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('a wall clock set backwards does not make an old token look young (monotonic time wins)', async () => {
    let mono = 0;
    const network = fakeNetwork();
    // The server's clock does not move with ours: it follows real (monotonic) time.
    const fetchToken = vi.fn(async () => freshJwt(60, {}, T0 + mono));
    const client = createTokenClient({
      fetchToken,
      network,
      wake: noWake,
      clock: { now: () => Date.now(), monotonic: () => mono },
    });
    const first = await client.getToken();
    // 58 s pass for real, but the wall clock is moved back by 10 minutes at the same time.
    mono += 58_000;
    vi.setSystemTime(Date.now() + 58_000 - 600_000);
    const next = await client.getToken();
    expect(next).not.toBe(first);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });
});

describe('the cache-hit path reads only the wall clock', () => {
  /**
   * A client whose monotonic clock follows true time (the fake timers) while its wall clock can be
   * set back; the server mints on true time. `setWallBack(ms)` moves the wall clock only.
   */
  function steppedWallClient(options: Partial<TokenClientOptions> = {}) {
    let wallBehind = 0;
    const trueNow = () => Date.now() + wallBehind;
    let serverDown = false;
    const fetchToken = vi.fn(async () => {
      if (serverDown) throw Object.assign(new Error('down'), { status: 503 });
      return freshJwt(60, {}, trueNow());
    });
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, clock: { now: () => Date.now(), monotonic: () => trueNow() }, ...options });
    return {
      client,
      fetchToken,
      trueNow,
      setWallBack(ms: number) {
        wallBehind += ms;
        vi.setSystemTime(Date.now() - ms);
      },
      serverGoesDown() {
        serverDown = true;
      },
    };
  }

  const expOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { exp: number }).exp * 1000;

  it('a wall clock set back by less than the gap between reads never stretches a token past its cutoff', async () => {
    const { client, trueNow, setWallBack, serverGoesDown } = steppedWallClient();
    await client.getToken();
    await client.getToken(); // a hit: from here on hits compare one wall-clock reading with a deadline
    await vi.advanceTimersByTimeAsync(30_000);
    // Set back 25 s: the next wall reading (5 s after the last read) still looks like time moved on.
    setWallBack(25_000);
    serverGoesDown();
    const served: Array<{ token: string; at: number }> = [];
    for (let second = 0; second < 60; second++) {
      const outcome = client.getToken().then(
        (token) => served.push({ token: token as string, at: trueNow() }),
        () => undefined,
      );
      await vi.advanceTimersByTimeAsync(1_000);
      void outcome;
    }
    expect(served.length).toBeGreaterThan(0);
    // minValidity (5 s) by the server's (true) clock, whatever the wall clock says.
    for (const { token, at } of served) expect(expOf(token) - at).toBeGreaterThan(5_000);
    client.destroy();
  });

  it('a wall clock set back further than the gap is seen by the very next read, even with every timer held back', async () => {
    // A throttled or frozen tab: no timer fires, so only the read itself can notice.
    const heldBack = { setTimeout: () => ({}), clearTimeout: () => undefined };
    const { client, fetchToken, setWallBack } = steppedWallClient({ timers: heldBack });
    const first = await client.getToken();
    await client.getToken();
    await vi.advanceTimersByTimeAsync(58_000);
    setWallBack(600_000);
    // 58 s of true time have passed: the token has 2 s left, below minValidity.
    const next = await client.getToken();
    expect(next).not.toBe(first);
    expect(fetchToken).toHaveBeenCalledTimes(2);
  });

  it('a server clock step learned through one key ends the hit path of every other key', async () => {
    let serverAhead = 0;
    const fetchToken = vi.fn(async () => ({ token: freshJwt(60, {}, Date.now() + serverAhead), serverTime: Date.now() + serverAhead }));
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, clock: { now: () => Date.now(), monotonic: () => Date.now() } });
    const b = await client.getToken({ template: 'b' });
    expect(await client.getToken({ template: 'b' })).toBe(b);
    await vi.advanceTimersByTimeAsync(1_000);
    // The token server's clock jumps 57 s ahead; two answers for key a confirm the step.
    serverAhead = 57_000;
    // The first answer contradicts the clock and is retried (paced): let the timers run.
    const a = client.getToken({ template: 'a', skipCache: true });
    await vi.advanceTimersByTimeAsync(1_000);
    await a;
    // By the server's clock b's token now has about 1 s left: below minValidity, not served.
    expect(await client.getToken({ template: 'b' })).not.toBe(b);
    client.destroy();
  });

  it('reads that only ever hit keep a key in use: it refreshes every cycle and is not evicted', async () => {
    const { client, fetchToken } = steppedWallClient();
    const evicted: TokenEvent[] = [];
    client.subscribe((event) => event.type === 'evicted' && evicted.push(event));
    for (let second = 0; second < 600; second++) {
      await client.getToken({ template: 'a', organizationId: null, audience: 'api' });
      await vi.advanceTimersByTimeAsync(1_000);
    }
    // 0, 43, 86, ... 559 s: one request per cycle, 14 in 600 s.
    expect(fetchToken).toHaveBeenCalledTimes(14);
    expect(evicted).toEqual([]);
    // Once reads stop, the key goes idle after one lifetime and is dropped.
    await vi.advanceTimersByTimeAsync(180_000);
    expect(evicted).toHaveLength(1);
    client.destroy();
  });
});

describe('minValidity is exact, also for short tokens', () => {
  it('a 6 s token that cannot have more than minValidity (5 s) left by the late clock is an InvalidTokenError', async () => {
    const { client } = setup(6);
    const error = await client.getToken().catch((e) => e);
    expect(error.reason).toBe('too-short-lived');
  });

  it('with minValidity 2 a 6 s token is served until 2 s (plus clock uncertainty) before expiry: one request per cycle, not per read', async () => {
    const { client, source } = setup(6, { minValidity: 2 });
    const first = await client.getToken();
    await vi.advanceTimersByTimeAsync(2_900);
    expect(await client.getToken()).toBe(first);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    await readFor(client, 30);
    expect(source.fetchToken.mock.calls.length).toBeGreaterThanOrEqual(10);
    expect(source.fetchToken.mock.calls.length).toBeLessThanOrEqual(12);
  });

  it.each([
    [{ minValidity: 30 }, 60],
    [{ refreshMargin: () => 1 }, 60],
    [{ refreshMargin: () => Number.NaN }, 60],
    [{ minValidity: 0.5 }, 10],
  ] as Array<[Partial<TokenClientOptions>, number]>)('never serves a token with minValidity or less left (%o, %i s tokens)', async (options, ttl) => {
    const { client } = setup(ttl, options);
    const minValidity = options.minValidity ?? 5;
    for (let t = 0; t < ttl * 3; t++) {
      const token = await client.getToken();
      const { exp } = JSON.parse(Buffer.from((token as string).split('.')[1] as string, 'base64url').toString()) as { exp: number };
      // Fake time is the server's true time here.
      expect(exp * 1000 - Date.now()).toBeGreaterThan(minValidity * 1000);
      await vi.advanceTimersByTimeAsync(1_000);
    }
    client.destroy();
  });

  it('minValidity longer than the token lifetime: InvalidTokenError, nothing served', async () => {
    const { client } = setup(60, { minValidity: 120 });
    const error = await client.getToken().catch((e) => e);
    expect(error.reason).toBe('too-short-lived');
    expect(client.peekToken()).toBeNull();
  });
});

describe('one scheduler timer (rule 6)', () => {
  it('uses a single timer for many keys', async () => {
    const { client } = setup(60);
    await Promise.all(Array.from({ length: 50 }, (_, i) => client.getToken({ template: `t${i}` })));
    expect(vi.getTimerCount()).toBe(1);
  });

  it('a late timer (sleep) runs every overdue refresh at once', async () => {
    const timers = { setTimeout: vi.fn((cb: () => void, ms: number) => setTimeout(cb, ms)), clearTimeout: (h: unknown) => clearTimeout(h as never) };
    const { client, source } = setup(60, { timers });
    await Promise.all([client.getToken({ template: 'a' }), client.getToken({ template: 'b' })]);
    // The machine sleeps: wall time jumps 50 s while no timer could fire.
    vi.setSystemTime(Date.now() + 50_000);
    await client.getToken({ template: 'a' });
    await client.getToken({ template: 'b' });
    expect(source.fetchToken).toHaveBeenCalledTimes(4);
  });

  it('a wake-up signal runs what is overdue', async () => {
    let wake!: () => void;
    const { client, source } = setup(60, {
      wake: {
        subscribe(listener) {
          wake = listener;
          return () => undefined;
        },
      },
    });
    await client.getToken();
    vi.setSystemTime(Date.now() + 50_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });
});

describe('idle keys (rule 7)', () => {
  it('a key not read within a token lifetime stops refreshing and is dropped', async () => {
    const { client, source, events } = setup(60);
    await client.getToken({ template: 'once' });
    await vi.advanceTimersByTimeAsync(600_000);
    // One proactive refresh (read 43 s ago, within the lifetime), then nothing.
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(events.some((e) => e.type === 'evicted')).toBe(true);
    expect(client.snapshot().entries).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an active key keeps refreshing while an idle one stops', async () => {
    const { client, source } = setup(60);
    await client.getToken({ template: 'idle' });
    await readFor(client, 240, { template: 'busy' });
    const idleCalls = source.calls.filter((c) => c.template === 'idle').length;
    const busyCalls = source.calls.filter((c) => c.template === 'busy').length;
    expect(idleCalls).toBe(2);
    expect(busyCalls).toBe(6);
  });
});

describe('Node process lifetime', () => {
  it('background timers are unref()’d; a timer a caller waits on is not', async () => {
    const handles: Array<{ ms: number; unref: boolean }> = [];
    const timers = {
      setTimeout(callback: () => void, ms: number) {
        const record = { ms, unref: false };
        handles.push(record);
        const id = setTimeout(callback, ms);
        return {
          id,
          unref: () => {
            record.unref = true;
          },
          ref: () => {
            record.unref = false;
          },
        };
      },
      clearTimeout: (handle: unknown) => clearTimeout((handle as { id: ReturnType<typeof setTimeout> }).id),
    };
    const { client, source } = setup(60, { timers, random: () => 0.5 });
    await client.getToken();
    const scheduler = handles.find((h) => h.ms === 43_000);
    expect(scheduler?.unref).toBe(true);
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 503 }));
    await vi.advanceTimersByTimeAsync(43_000);
    const backgroundNap = handles.find((h) => h.ms === 750);
    expect(backgroundNap?.unref).toBe(true);
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('x'), { status: 503 }));
    const waited = client.getToken({ template: 'cold' });
    await vi.advanceTimersByTimeAsync(0);
    const foregroundNap = handles.find((h) => h.ms === 187);
    expect(foregroundNap?.unref).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(await waited).toBeTypeOf('string');
  });
});
