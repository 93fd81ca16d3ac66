import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, capturingCoordinator, fakeNetwork, freshJwt, mintingSource, noWake } from '../test/helpers';
import { createTokenClient, type TokenClientOptions } from './client';
import { OfflineError } from './errors';
import type { Coordinator, CoordinatorHost, TokenEvent } from './types';

/**
 * What callers and listeners can see, exactly: the messages of every refusal, the events in order
 * with their reasons and origins, and the snapshot. Apps log these, match on them and show them.
 */
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
  const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now(), monotonic: () => Date.now() }, ...options });
  client.subscribe((event) => events.push(event));
  const seen = () => events.map((event) => ('reason' in event ? `${event.type}:${String(event.reason)}` : 'origin' in event ? `${event.type}:${event.origin}` : event.type));
  return { client, network, source, events, seen };
}

/** A coordinator whose lock is held elsewhere until the test lets go; hands its host to the test. */
function lockHoldingCoordinator() {
  let host!: CoordinatorHost;
  let letGo!: () => void;
  const coordinator: Coordinator = {
    connect(h) {
      host = h;
      return {
        acquire: () => new Promise((resolve) => (letGo = () => resolve(() => undefined))),
        publish: () => undefined,
        invalidate: () => undefined,
        close: () => undefined,
      };
    },
  };
  return { coordinator, host: () => host, letGo: () => letGo() };
}

describe('refusals say what was wrong', () => {
  it.each([
    [null, 'tokenwarden: createTokenClient takes an options object'],
    ['x', 'tokenwarden: createTokenClient takes an options object'],
    [{}, 'tokenwarden: fetchToken must be a function'],
    [{ fetchToken: 'f' }, 'tokenwarden: fetchToken must be a function'],
  ])('createTokenClient(%o)', (options, message) => {
    expect(() => createTokenClient(options as never)).toThrow(new TypeError(message));
  });

  it.each([
    ['minValidity', -1, 'tokenwarden: minValidity must be a finite number >= 0, got -1'],
    ['minValidity', '5', 'tokenwarden: minValidity must be a finite number >= 0, got string'],
    ['requestTimeout', 0, 'tokenwarden: requestTimeout must be a finite number > 0, got 0'],
    ['foregroundRetryBudget', Number.NaN, 'tokenwarden: foregroundRetryBudget must be a finite number >= 0, got NaN'],
    ['maxTokenLifetime', Number.POSITIVE_INFINITY, 'tokenwarden: maxTokenLifetime must be a finite number > 0, got Infinity'],
    ['random', 1, 'tokenwarden: random must be a function, got number'],
    ['refreshMargin', 17, 'tokenwarden: refreshMargin must be a function, got number'],
  ])('%s: %s', (name, value, message) => {
    expect(() => createTokenClient({ fetchToken: async () => null, [name]: value })).toThrow(new TypeError(message));
  });

  it('zero is a valid minValidity and foregroundRetryBudget (not for requestTimeout or maxTokenLifetime)', () => {
    expect(() => createTokenClient({ fetchToken: async () => null, minValidity: 0, foregroundRetryBudget: 0 }).destroy()).not.toThrow();
  });

  it.each([
    ['supabase', "tokenwarden: getToken takes an options object such as { template: 'name' }, got string"],
    [null, "tokenwarden: getToken takes an options object such as { template: 'name' }, got null"],
    [[], "tokenwarden: getToken takes an options object such as { template: 'name' }, got object"],
    [{ skipCache: 1 }, 'tokenwarden: skipCache must be a boolean'],
  ])('getToken(%o)', async (options, message) => {
    const { client } = setup();
    await expect(client.getToken(options as never)).rejects.toThrow(new TypeError(message));
    client.destroy();
  });

  it('offline with nothing cached, and after destroy()', async () => {
    const { client, network } = setup();
    network.set(false);
    await expect(client.getToken()).rejects.toThrow(new OfflineError('The network is offline and no usable token is cached'));
    client.destroy();
    await expect(client.getToken()).rejects.toThrow('This token client was destroyed');
  });

  it('subscribe takes a function; after destroy() it takes nothing and hears nothing', () => {
    const { client } = setup();
    expect(() => client.subscribe('listener' as never)).toThrow(new TypeError('tokenwarden: subscribe takes a listener function'));
    client.destroy();
    const listener = vi.fn();
    const unsubscribe = client.subscribe(listener);
    expect(unsubscribe()).toBeUndefined();
    client.clear();
    client.destroy();
    expect(listener).not.toHaveBeenCalled();
  });
});

describe('events, in order, with their reasons and origins', () => {
  it('cold, refresh, forced, expired', async () => {
    const { client, seen } = setup();
    await client.getToken();
    expect(seen()).toEqual(['fetch-start:cold', 'token:fetch']);
    // Read until the proactive refresh (43 s) has run.
    for (let t = 0; t < 45; t++) {
      await client.getToken();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(seen()).toEqual(['fetch-start:cold', 'token:fetch', 'fetch-start:refresh', 'token:fetch']);
    await client.getToken({ skipCache: true });
    expect(seen().slice(4)).toEqual(['fetch-start:forced', 'token:fetch']);
    // Unread for longer than a lifetime: no refresh; the next read finds the token past its cutoff.
    await vi.advanceTimersByTimeAsync(200_000);
    const before = seen().length;
    await client.getToken();
    expect(seen().slice(before)).toEqual(expect.arrayContaining(['fetch-start:cold', 'token:fetch']));
    client.destroy();
  });

  it('clear(): cleared (local) then signed-out; a sign-out by the server names its key', async () => {
    const { client, source, seen, events } = setup();
    await client.getToken({ template: 'a' });
    client.clear();
    expect(seen().slice(2)).toEqual(['cleared:local', 'signed-out']);
    expect(events.at(-1)).toEqual({ type: 'signed-out' });
    source.fetchToken.mockResolvedValueOnce(null);
    expect(await client.getToken({ template: 'a' })).toBeNull();
    expect(events.at(-1)).toEqual({ type: 'signed-out', key: { template: 'a' } });
    expect(seen().at(-2)).toBe('cleared:local');
    client.destroy();
  });

  it('a sign-out from another participant is cleared (remote); destroy() is cleared (local) and then silence', async () => {
    const capture = capturingCoordinator();
    const { client, seen } = setup({ coordinator: capture.coordinator });
    await client.getToken();
    capture.host().signOut();
    expect(seen().slice(2)).toEqual(['cleared:remote', 'signed-out']);
    client.destroy();
    expect(seen().slice(4)).toEqual(['cleared:local']);
  });

  it('network events: offline, then online', async () => {
    const { client, network, seen } = setup();
    network.set(false);
    network.set(true);
    expect(seen()).toEqual(['offline', 'online']);
    client.destroy();
    network.set(false);
    expect(seen()).toEqual(['offline', 'online', 'cleared:local']);
  });
});

describe('coordinators', () => {
  it('a failing coordinator is reported (coordinator-degraded) and the client carries on alone', async () => {
    const coordinator: Coordinator = {
      connect: () => ({
        acquire: async () => {
          throw new Error('redis down');
        },
        publish: () => {
          throw new Error('redis down');
        },
        invalidate: () => {
          throw new Error('redis down');
        },
        close: () => undefined,
      }),
    };
    const { client, seen } = setup({ coordinator });
    expect(await client.getToken()).toBeTypeOf('string');
    client.clear();
    expect(seen().filter((type) => type === 'coordinator-degraded')).toHaveLength(3);
    client.destroy();
  });

  it('a coordinator holding a background refresh longer than requestTimeout (a spread wave) does not time the attempt out: one request, sent when it lets go', async () => {
    const waits: string[] = [];
    const coordinator: Coordinator = {
      connect: () => ({
        acquire: (_key, _signal, context) => {
          waits.push(context?.reason ?? 'none');
          if (context?.reason !== 'refresh') return Promise.resolve(() => undefined);
          return new Promise((resolve) => setTimeout(() => resolve(() => undefined), 8_000));
        },
        publish: () => undefined,
        invalidate: () => undefined,
        close: () => undefined,
      }),
    };
    const { client, source, seen } = setup({ coordinator, requestTimeout: 5_000 });
    const first = await client.getToken();
    // Refresh point at 43 s; the coordinator lets go at 51 s, 8 s later: more than requestTimeout.
    await vi.advanceTimersByTimeAsync(50_900);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(await client.getToken()).not.toBe(first);
    expect(seen().filter((type) => type.startsWith('fetch-error'))).toEqual([]);
    expect(waits).toEqual(['cold', 'refresh']);
    client.destroy();
  });

  it('a coordinator that never lets go of a background refresh is given up on at the token’s cutoff, not before; without a token, after requestTimeout', async () => {
    let hang = true;
    const coordinator: Coordinator = {
      connect: () => ({
        acquire: (_key, _signal, context) => {
          if (context?.reason === 'cold' || !hang) return Promise.resolve(() => undefined);
          hang = false;
          return new Promise<() => void>(() => undefined);
        },
        publish: () => undefined,
        invalidate: () => undefined,
        close: () => undefined,
      }),
    };
    const { client, source, seen } = setup({ coordinator, requestTimeout: 5_000 });
    await client.getToken();
    // Refresh at 43 s, cutoff at 55 s (minValidity 5 s), up to a second earlier by the late end of
    // the server clock learned from whole-second readings.
    await vi.advanceTimersByTimeAsync(53_500);
    expect(seen().filter((type) => type.startsWith('fetch-error'))).toEqual([]);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_600);
    expect(seen().filter((type) => type.startsWith('fetch-error'))).toHaveLength(1);
    // The retry goes ahead (the coordinator answers now) after its backoff.
    await vi.advanceTimersByTimeAsync(2_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    // Signed out and read again: no token, so a silent coordinator costs a caller requestTimeout at most.
    client.clear();
    hang = true;
    const hanging: Coordinator['connect'] = () => ({
      acquire: () => new Promise<() => void>(() => undefined),
      publish: () => undefined,
      invalidate: () => undefined,
      close: () => undefined,
    });
    const second = setup({ coordinator: { connect: hanging }, requestTimeout: 5_000 });
    void second.client.getToken().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(4_900);
    expect(second.seen().filter((type) => type.startsWith('fetch-error'))).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(second.seen().filter((type) => type.startsWith('fetch-error'))).toHaveLength(1);
    second.client.destroy();
    client.destroy();
  });

  it('every accepted token is published, and nothing else is', async () => {
    const publish = vi.fn();
    const coordinator: Coordinator = { connect: () => ({ acquire: async () => () => undefined, publish, invalidate: () => undefined, close: () => undefined }) };
    const { client } = setup({ coordinator });
    const token = await client.getToken();
    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish.mock.calls[0]?.[1]).toMatchObject({ token });
    expect(await client.getToken()).toBe(token);
    expect(publish).toHaveBeenCalledTimes(1);
    client.destroy();
  });

  it('a token vouched as fetched after the sign-out may be from the sign-out’s second; unvouched it may not', async () => {
    const capture = capturingCoordinator();
    const { client } = setup({ coordinator: capture.coordinator });
    await client.getToken();
    await vi.advanceTimersByTimeAsync(500);
    client.clear();
    // Read again so the key exists; its fetch is still in flight while the deliveries arrive. The
    // clock was learned from a whole-second iat, so the sign-out's late end is in the next second.
    const pending = client.getToken();
    const sameSecond = freshJwt(60, { n: 900 }, T0 + 1_000);
    expect(capture.host().offer({}, { token: sameSecond, afterSignOut: false })).toBe(false);
    expect(capture.host().offer({}, sameSecond)).toBe(false);
    expect(capture.host().offer({}, { token: sameSecond, afterSignOut: true })).toBe(true);
    await pending;
    client.destroy();
  });
});

describe('snapshot', () => {
  it('shows when a key was last read and whether it is refreshing', async () => {
    let resolve!: (token: string) => void;
    const fetchToken = vi.fn(
      () =>
        new Promise<string>((r) => {
          resolve = r;
        }),
    );
    const { client } = setup({ fetchToken });
    const pending = client.getToken();
    expect(client.snapshot().entries[0]).toMatchObject({ refreshing: true, lastReadAt: T0 });
    await vi.advanceTimersByTimeAsync(0);
    resolve(freshJwt(60));
    await pending;
    await vi.advanceTimersByTimeAsync(5_000);
    await client.getToken();
    // Judged on the late end of the clock learned from a whole-second iat: up to a second later.
    const entry = client.snapshot().entries[0];
    expect(entry?.refreshing).toBe(false);
    expect(entry?.lastReadAt).toBeGreaterThanOrEqual(T0 + 5_000);
    expect(entry?.lastReadAt).toBeLessThanOrEqual(T0 + 6_001);
    client.destroy();
  });
});

describe('the hit path is the one taken for a fresh token', () => {
  it('a hit reads the wall clock once and never the monotonic clock, for every way of naming a key', async () => {
    const monotonic = vi.fn(() => Date.now());
    const now = vi.fn(() => Date.now());
    const { client } = setup({ clock: { now, monotonic } });
    const keys = [undefined, { template: 'a' }, { template: 'a', organizationId: null, audience: 'api' }, { template: 'a', skipCache: false }];
    // Each key's first fetch teaches the clock, which withdraws deadlines worked out before it:
    // the second pass works them out for good.
    for (let pass = 0; pass < 2; pass++) {
      for (const key of keys) {
        await client.getToken(key);
        await client.getToken(key);
      }
    }
    monotonic.mockClear();
    now.mockClear();
    for (const key of keys) expect(await client.getToken(key)).toBeTypeOf('string');
    expect(monotonic).not.toHaveBeenCalled();
    expect(now).toHaveBeenCalledTimes(keys.length);
    client.destroy();
  });
});

describe('the hit path forgets what clear() drops', () => {
  it('after clear(), the key read last (and every other) is fetched again, never served from its old entry', async () => {
    const { client, source } = setup();
    const keys = [undefined, { template: 'a' }, { template: 'a', organizationId: 'o', audience: 'api' }];
    for (const key of keys) {
      const before = await client.getToken(key);
      // Twice more: the second read opens the hit path, the third takes it.
      await client.getToken(key);
      expect(await client.getToken(key)).toBe(before);
      const fetches = source.fetchToken.mock.calls.length;
      client.clear();
      const after = await client.getToken(key);
      expect(after).not.toBe(before);
      expect(source.fetchToken).toHaveBeenCalledTimes(fetches + 1);
    }
    client.destroy();
  });
});

describe('timing the engine keeps without any read', () => {
  it('the proactive refresh runs on its timer at 43 s of a 60 s token, with no read in between', async () => {
    const { client, source } = setup();
    await client.getToken();
    await vi.advanceTimersByTimeAsync(42_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    client.destroy();
  });

  it('reads served only by the hit path count as use: the key keeps refreshing a lifetime past the last of them', async () => {
    const { client, source } = setup();
    for (let t = 0; t <= 40; t++) {
      await client.getToken();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    // Last read at 40 s. Refreshes at 43 s and 86 s (the 86 s one is within a lifetime of 40 s),
    // then the key is idle: no third refresh.
    await vi.advanceTimersByTimeAsync(100_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(3);
    client.destroy();
  });

  it('a key that never got a token is dropped once idle (evicted), not kept for ever', async () => {
    const fetchToken = vi.fn(async () => {
      throw Object.assign(new Error('down'), { status: 503 });
    });
    const { client, events } = setup({ fetchToken, foregroundRetryBudget: 1_000 });
    void client.getToken().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(events.some((event) => event.type === 'evicted')).toBe(true);
    expect(client.snapshot().entries).toEqual([]);
    client.destroy();
  });
});

describe('what a fetch teaches and what it publishes', () => {
  it('an opaque token without serverTime teaches nothing about the server clock', async () => {
    const { client } = setup({ fetchToken: async () => ({ token: 'opaque-access-token', expiresIn: 60 }) });
    await client.getToken();
    expect(client.snapshot().serverOffsetBounds).toEqual({ low: 0, high: 0 });
    client.destroy();
  });

  it('an opaque token too short to serve is refused after one request (not retried as a clock disagreement)', async () => {
    const fetchToken = vi.fn(async () => ({ token: 'opaque-access-token', expiresIn: 3 }));
    const { client } = setup({ fetchToken });
    const result = client.getToken().catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await result).toMatchObject({ reason: 'too-short-lived' });
    expect(fetchToken).toHaveBeenCalledTimes(1);
    client.destroy();
  });

  it('the same token fetched again is not announced again: no token event, no publish', async () => {
    const publish = vi.fn();
    const coordinator: Coordinator = { connect: () => ({ acquire: async () => () => undefined, publish, invalidate: () => undefined, close: () => undefined }) };
    const token = freshJwt(60);
    const { client, events } = setup({ coordinator, fetchToken: async () => token });
    await client.getToken();
    await client.getToken({ skipCache: true }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events.filter((event) => event.type === 'token')).toHaveLength(1);
    expect(publish).toHaveBeenCalledTimes(1);
    client.destroy();
  });

  it('a final error event carries no retryIn; a retried one says when', async () => {
    let status = 503;
    const fetchToken = vi.fn(async () => {
      throw Object.assign(new Error('x'), { status });
    });
    const { client, events } = setup({ fetchToken, foregroundRetryBudget: 1_000 });
    void client.getToken().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(100);
    const retried = events.find((event) => event.type === 'fetch-error');
    expect(retried).toMatchObject({ willRetry: true });
    expect((retried as { retryIn?: number }).retryIn).toBeGreaterThan(0);
    await vi.advanceTimersByTimeAsync(5_000);
    status = 400;
    events.length = 0;
    void client.getToken().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1_000);
    const final = events.find((event) => event.type === 'fetch-error');
    expect(final).toMatchObject({ willRetry: false });
    expect(final).not.toHaveProperty('retryIn');
    client.destroy();
  });

  it('an answer that arrives after its attempt was abandoned (requestTimeout) is not taken', async () => {
    let call = 0;
    const fetchToken = vi.fn(async () => {
      call++;
      if (call === 1) {
        // Ignores its signal and answers at 15 s, long after the 10 s timeout.
        await new Promise((resolve) => setTimeout(resolve, 15_000));
        return freshJwt(60, { n: 1 });
      }
      return freshJwt(60, { n: 2 });
    });
    const { client, events } = setup({ fetchToken, foregroundRetryBudget: 30_000 });
    const first = client.getToken();
    await vi.advanceTimersByTimeAsync(20_000);
    const token = await first;
    expect(events.filter((event) => event.type === 'token')).toHaveLength(1);
    expect(await client.getToken()).toBe(token);
    client.destroy();
  });

  it('a delivery while this client waits for the right to refresh answers a plain read without a request; a forced read fetches anyway', async () => {
    const lock = lockHoldingCoordinator();
    const { client, source } = setup({ coordinator: lock.coordinator });
    const plain = client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    const delivered = freshJwt(60, { n: 500 });
    expect(lock.host().offer({}, delivered)).toBe(true);
    lock.letGo();
    expect(await plain).toBe(delivered);
    expect(source.fetchToken).not.toHaveBeenCalled();
    // A forced read is not answered by the token it could already see: it fetches.
    const forced = client.getToken({ skipCache: true });
    await vi.advanceTimersByTimeAsync(0);
    lock.letGo();
    expect(await forced).not.toBe(delivered);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    client.destroy();
  });

  it('a vouched delivery from the second before the sign-out’s is still refused', async () => {
    const capture = capturingCoordinator();
    const { client } = setup({ coordinator: capture.coordinator });
    await client.getToken();
    await vi.advanceTimersByTimeAsync(5_000);
    client.clear();
    const pending = client.getToken();
    expect(capture.host().offer({}, { token: freshJwt(60, { n: 700 }, Date.now() - 2_000), afterSignOut: true })).toBe(false);
    await pending;
    client.destroy();
  });
});

describe('after destroy()', () => {
  it('clear() and destroy() again tell the coordinator nothing more', () => {
    const invalidate = vi.fn();
    const close = vi.fn();
    const coordinator: Coordinator = { connect: () => ({ acquire: async () => () => undefined, publish: () => undefined, invalidate, close }) };
    const { client } = setup({ coordinator });
    client.destroy();
    client.clear();
    client.destroy();
    expect(invalidate).not.toHaveBeenCalled();
    expect(close).toHaveBeenCalledTimes(1);
  });
});

describe('wake-ups', () => {
  function withWake() {
    let wake!: () => void;
    const context = setup({ wake: { subscribe: (listener) => ((wake = listener), () => undefined) } });
    return { ...context, wake: () => wake() };
  }

  it('after a sleep past the refresh point: a refresh; past the cutoff: an "expired" fetch; offline: nothing', async () => {
    const { client, network, seen, wake } = withWake();
    await client.getToken();
    vi.setSystemTime(Date.now() + 45_000);
    wake();
    expect(seen().at(-1)).toBe('fetch-start:refresh');
    await vi.advanceTimersByTimeAsync(0);
    await client.getToken();
    vi.setSystemTime(Date.now() + 58_000);
    wake();
    expect(seen().at(-1)).toBe('fetch-start:expired');
    await vi.advanceTimersByTimeAsync(0);
    network.set(false);
    await client.getToken();
    vi.setSystemTime(Date.now() + 50_000);
    const before = seen().length;
    wake();
    expect(seen().slice(before).filter((type) => type.startsWith('fetch-start'))).toEqual([]);
    client.destroy();
  });

  it('a key unread for longer than its lifetime is not refreshed on wake-up', async () => {
    const { client, seen, wake } = withWake();
    await client.getToken();
    vi.setSystemTime(Date.now() + 200_000);
    const before = seen().length;
    wake();
    expect(seen().slice(before).filter((type) => type.startsWith('fetch-start'))).toEqual([]);
    client.destroy();
  });
});

describe('network back', () => {
  it('offline across the refresh point: a refresh when it returns; across the cutoff: an "expired" fetch; an idle key: nothing', async () => {
    const { client, network, seen } = setup();
    await client.getToken();
    network.set(false);
    await vi.advanceTimersByTimeAsync(45_000);
    await client.getToken();
    network.set(true);
    expect(seen().at(-1)).toBe('fetch-start:refresh');
    await vi.advanceTimersByTimeAsync(0);
    await client.getToken();
    network.set(false);
    await vi.advanceTimersByTimeAsync(57_000);
    await client.getToken().catch(() => undefined);
    network.set(true);
    expect(seen().at(-1)).toBe('fetch-start:expired');
    await vi.advanceTimersByTimeAsync(0);
    network.set(false);
    await vi.advanceTimersByTimeAsync(100_000);
    const before = seen().length;
    network.set(true);
    expect(seen().slice(before).filter((type) => type.startsWith('fetch-start'))).toEqual([]);
    client.destroy();
  });

  it('the hit path stays open through unrelated full clock readings (a snapshot)', async () => {
    const monotonic = vi.fn(() => Date.now());
    const { client } = setup({ clock: { now: () => Date.now(), monotonic } });
    await client.getToken();
    await client.getToken();
    client.snapshot();
    client.snapshot();
    monotonic.mockClear();
    await client.getToken();
    await client.getToken();
    expect(monotonic).not.toHaveBeenCalled();
    client.destroy();
  });
});

describe('reads catch up what held-back timers missed', () => {
  const heldBack = { setTimeout: () => ({}), clearTimeout: () => undefined };

  it('past the refresh point a read starts the refresh; past the cutoff, an "expired" fetch', async () => {
    const { client, seen } = setup({ timers: heldBack });
    await client.getToken();
    vi.setSystemTime(Date.now() + 44_000);
    await client.getToken();
    expect(seen()).toContain('fetch-start:refresh');
    await vi.advanceTimersByTimeAsync(0);
    vi.setSystemTime(Date.now() + 58_000);
    await client.getToken();
    expect(seen()).toContain('fetch-start:expired');
    client.destroy();
  });
});

describe('server-given waits and the network', () => {
  it('a Retry-After HTTP-date is read on the server’s clock, not this device’s (10 minutes fast)', async () => {
    const skew = 600_000;
    const requests: number[] = [];
    const fetchToken = vi.fn(async () => {
      requests.push(Date.now());
      if (requests.length === 1) return { token: freshJwt(60), serverTime: Date.now() };
      const retryAt = new Date(Date.now() + 20_000).toUTCString();
      throw Object.assign(new Error('busy'), { status: 503, headers: new Headers({ 'retry-after': retryAt }) });
    });
    const { client } = setup({ fetchToken, clock: { now: () => Date.now() + skew, monotonic: () => Date.now() }, foregroundRetryBudget: 60_000 });
    await client.getToken();
    void client.getToken({ skipCache: true }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(30_000);
    // The retry waits for the server's date (20 s on), neither at once (read on the fast device
    // clock, the date is long past) nor 10 minutes.
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect((requests[2] as number) - (requests[1] as number)).toBeGreaterThanOrEqual(19_000);
    client.destroy();
  });

  it('where the network is observable, a second caller after a failed first one still gets its retries', async () => {
    const fetchToken = vi.fn(async () => {
      throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    });
    const { client } = setup({ fetchToken, foregroundRetryBudget: 3_000 });
    void client.getToken().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(5_000);
    const first = fetchToken.mock.calls.length;
    expect(first).toBeGreaterThan(1);
    void client.getToken().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(fetchToken.mock.calls.length - first).toBeGreaterThan(1);
    client.destroy();
  });

  it('a delivery already past its own refresh point does not answer a read waiting for the lock: it fetches', async () => {
    const lock = lockHoldingCoordinator();
    const { client, source } = setup({ coordinator: lock.coordinator });
    const read = client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    // Issued 50 s ago: 10 s left, servable, but past its refresh point (43 s).
    expect(lock.host().offer({}, freshJwt(60, { n: 800 }, Date.now() - 50_000))).toBe(true);
    lock.letGo();
    await read;
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    client.destroy();
  });
});
