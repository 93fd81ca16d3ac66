import { OfflineError, createTokenClient, type FetchTokenResult } from 'tokenwarden';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DemoCounters } from './counters';
import { timedRead } from './timedRead';

/** An unsigned JWT; the engine only reads claims. */
function jwt(ttl: number, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const encode = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  return `${encode({ alg: 'ES256' })}.${encode({ iat, exp: iat + ttl, sub: 'user_1' })}.c2ln`;
}

const quietWake = { subscribe: () => () => undefined };

function network(initial = true) {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(listener: (online: boolean) => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next: boolean) {
      online = next;
      for (const listener of listeners) listener(next);
    },
  };
}

describe('timedRead', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(answer: () => Promise<FetchTokenResult> = async () => jwt(60)) {
    const fetchToken = vi.fn(answer);
    const net = network();
    const client = createTokenClient({ fetchToken, network: net, wake: quietWake, random: () => 0.5 });
    return { client, fetchToken, net };
  }

  it('counts the first read as a miss and the next as a cache hit', async () => {
    const { client, fetchToken } = setup();
    const counters = new DemoCounters();
    const first = await timedRead(client, {});
    const second = await timedRead(client, {});
    counters.countRead(first);
    counters.countRead(second);
    expect(first).toMatchObject({ outcome: 'token', cacheHit: false });
    expect(second).toMatchObject({ outcome: 'token', cacheHit: true });
    expect(fetchToken).toHaveBeenCalledTimes(1);
    expect(counters.values()).toMatchObject({ reads: 2, cacheHits: 1, rejectedReads: 0, errors: 0 });
  });

  it('counts a read in the refresh window as a hit: answered from cache while the refresh runs', async () => {
    let release: (token: string) => void = () => undefined;
    let calls = 0;
    const { client, fetchToken } = setup(() => (++calls === 1 ? Promise.resolve(jwt(60)) : new Promise((resolve) => (release = resolve))));
    await timedRead(client, {});
    await vi.advanceTimersByTimeAsync(44_000);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    expect(client.snapshot().entries[0]?.refreshing).toBe(true);
    expect(await timedRead(client, {})).toMatchObject({ outcome: 'token', cacheHit: true });
    release(jwt(60));
  });

  it('is a miss when skipping the cache, and keys do not share hits', async () => {
    const { client } = setup();
    await timedRead(client, {});
    expect(await timedRead(client, {}, { skipCache: true })).toMatchObject({ outcome: 'token', cacheHit: false });
    expect(await timedRead(client, { template: 'supabase' })).toMatchObject({ outcome: 'token', cacheHit: false });
  });

  it('reports null as signed out and a rejection as an error, timed on the given clock', async () => {
    let ticks = 0;
    const now = () => (ticks += 5);
    const signedOut = setup(async () => null);
    expect(await timedRead(signedOut.client, {}, { now })).toEqual({ outcome: 'signed-out', ms: 5 });

    const offline = setup();
    offline.net.set(false);
    const counters = new DemoCounters();
    const result = await timedRead(offline.client, {}, { now });
    counters.countRead(result);
    expect(result.outcome).toBe('error');
    expect(result.outcome === 'error' && OfflineError.is(result.error)).toBe(true);
    expect(result.ms).toBe(5);
    expect(counters.values()).toMatchObject({ reads: 1, cacheHits: 0, rejectedReads: 1, errors: 1 });
  });

  it('never carries the token', async () => {
    const { client } = setup();
    const result = await timedRead(client, {});
    expect(JSON.stringify(result)).not.toMatch(/eyJ/);
    expect(Object.keys(result).sort()).toEqual(['cacheHit', 'ms', 'outcome']);
  });
});

describe('DemoCounters', () => {
  it('adds failed requests and rejected reads up to errors', () => {
    const counters = new DemoCounters();
    counters.countRequest();
    counters.countRequest();
    counters.countFailedRequest();
    counters.countRead({ outcome: 'error', error: new Error('x'), ms: 1 });
    counters.countRead({ outcome: 'signed-out', ms: 1 });
    expect(counters.values()).toEqual({ requests: 2, failedRequests: 1, reads: 2, cacheHits: 0, rejectedReads: 1, errors: 2 });
  });
});
