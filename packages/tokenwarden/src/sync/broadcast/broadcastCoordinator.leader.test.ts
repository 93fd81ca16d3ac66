import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../../../test/helpers';
import { keyId } from '../../keys';
import type { TokenKey } from '../../types';
import { type FakeTab, createTabsWorld, sharedToken } from './fakeTabs';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const deliver = () => vi.advanceTimersByTimeAsync(0);

/** Every tab reads every key once a second for `seconds`, like an app polling in N open tabs. */
async function readEverywhere(tabs: FakeTab[], keys: TokenKey[], seconds: number) {
  const failures: unknown[] = [];
  for (let s = 0; s < seconds; s++) {
    const reads = tabs.flatMap((tab) => keys.map((key) => tab.client.getToken(key).catch((error: unknown) => failures.push(error))));
    await vi.advanceTimersByTimeAsync(1_000);
    await Promise.all(reads);
  }
  return failures;
}

describe('one refresher per key per cycle', () => {
  it('5 tabs reading two keys for 300 s make one request per key per cycle (7 each, as one tab alone would)', async () => {
    const world = createTabsWorld({ ttl: 60 });
    const tabs = ['a', 'b', 'c', 'd', 'e'].map((name) => world.open(name));
    const keys: TokenKey[] = [{}, { template: 'supabase' }];
    const failures = await readEverywhere(tabs, keys, 300);
    expect(failures).toEqual([]);
    // Cycles start at 0, 43, 86, 129, 172, 215 and 258 s.
    expect(world.server.calls.filter((call) => call.key.template === undefined)).toHaveLength(7);
    expect(world.server.calls.filter((call) => call.key.template === 'supabase')).toHaveLength(7);
  });

  it('without the coordinator the same 5 tabs make 5 times as many (the baseline this beats)', async () => {
    const world = createTabsWorld({ ttl: 60, coordinator: { channel: () => undefined, locks: () => undefined } });
    const tabs = ['a', 'b', 'c', 'd', 'e'].map((name) => world.open(name));
    await readEverywhere(tabs, [{}], 300);
    expect(world.server.calls).toHaveLength(35);
  });

  it('takes the Web Lock tokenwarden:<namespace>:<key> (the cache’s collision-free key id) before fetching', async () => {
    const world = createTabsWorld({ namespace: 'shop' });
    const a = world.open('a');
    await a.client.getToken({ template: 'supabase', organizationId: null });
    expect(world.locks.requests).toEqual([
      { tab: 'a', name: `tokenwarden:shop:${keyId({ template: 'supabase', organizationId: null })}`, ifAvailable: true },
    ]);
    expect(world.locks.requests[0]?.name).toBe('tokenwarden:shop:{"t":"supabase","o":null}');
  });

  it('a tab that finds the lock taken waits for the leader’s token instead of fetching', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    const aRead = a.client.getToken();
    await deliver();
    const bRead = b.client.getToken();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(world.server.calls.map((call) => call.tab)).toEqual(['a']);
    world.server.calls[0]?.answer();
    await vi.advanceTimersByTimeAsync(100);
    const token = await aRead;
    expect(await bRead).toBe(token);
    expect(world.server.calls).toHaveLength(1);
  });

  it('a waiting tab goes ahead as soon as the token arrives, even while the lock is still held', async () => {
    const world = createTabsWorld();
    const b = world.open('b');
    // A holder that shares its token but keeps the lock (a slow handover, another library version).
    await world.holdLock();
    let answered: string | null | undefined;
    void b.client.getToken().then((token) => {
      answered = token;
    });
    await vi.advanceTimersByTimeAsync(500);
    expect(answered).toBeUndefined();
    const token = world.server.mint();
    world.bus.inject('tokenwarden:app', sharedToken(token));
    await vi.advanceTimersByTimeAsync(1);
    expect(answered).toBe(token);
    expect(world.server.calls).toHaveLength(0);
  });

  it('locks per key: a leader refreshing one key does not hold up another key', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    void a.client.getToken();
    await deliver();
    void b.client.getToken({ template: 'supabase' });
    await deliver();
    expect(world.server.calls.map((call) => [call.tab, call.key.template])).toEqual([
      ['a', undefined],
      ['b', 'supabase'],
    ]);
  });

  it('a stuck leader blocks no one: the others fetch themselves after waitTimeout (3 s), not before', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    void a.client.getToken(); // never answered
    await deliver();
    const bRead = b.client.getToken();
    await vi.advanceTimersByTimeAsync(2_900);
    expect(world.server.callsFor('b')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(world.server.callsFor('b')).toHaveLength(1);
    world.server.callsFor('b')[0]?.answer();
    expect(await bRead).not.toBeNull();
  });

  it('honours a custom waitTimeout', async () => {
    const world = createTabsWorld({ coordinator: { waitTimeout: 500 } });
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    void a.client.getToken();
    await deliver();
    void b.client.getToken();
    await vi.advanceTimersByTimeAsync(450);
    expect(world.server.callsFor('b')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(world.server.callsFor('b')).toHaveLength(1);
  });

  it('a stuck leader’s lock is let go when its attempt times out, so its next attempt is not stuck behind itself', async () => {
    const world = createTabsWorld({ client: { requestTimeout: 5_000 } });
    const a = world.open('a');
    world.server.hold = true;
    void a.client.getToken().catch(() => undefined);
    await deliver();
    const name = world.locks.requests[0]?.name as string;
    expect(world.locks.holder(name)).toBe('a');
    await vi.advanceTimersByTimeAsync(5_001);
    expect(world.locks.holder(name)).toBeUndefined();
    // The retry (after a 250 ms backoff) takes the lock straight away, not after a 3 s wait behind itself.
    await vi.advanceTimersByTimeAsync(300);
    expect(world.server.callsFor('a')).toHaveLength(2);
    expect(world.locks.holder(name)).toBe('a');
  });

  it('leader dies mid-refresh: a waiting tab takes the lock at once and fetches; the rest adopt its token', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    const c = world.open('c');
    world.server.hold = true;
    void a.client.getToken();
    await deliver();
    const bRead = b.client.getToken();
    const cRead = c.client.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(world.server.calls.map((call) => call.tab)).toEqual(['a']);
    world.close('a'); // the tab closes with its request in flight; the browser frees its lock
    await vi.advanceTimersByTimeAsync(10);
    const successors = world.server.calls.slice(1);
    expect(successors).toHaveLength(1); // well before the 3 s bound, and only one tab
    successors[0]?.answer();
    await vi.advanceTimersByTimeAsync(100);
    const [bToken, cToken] = await Promise.all([bRead, cRead]);
    expect(bToken).not.toBeNull();
    expect(cToken).toBe(bToken);
    expect(world.server.calls).toHaveLength(2);
  });

  it('the leader keeps the lock a moment after sharing, so a waiting tab hears the token before it can take the lock', async () => {
    for (const [handoverDelay, expected] of [
      [50, 1],
      // Released at once, the queued tab is granted the lock before the message lands and fetches again.
      [0, 2],
    ] as const) {
      const world = createTabsWorld({ coordinator: { handoverDelay } });
      const a = world.open('a');
      const b = world.open('b');
      world.server.hold = true;
      const aRead = a.client.getToken();
      await deliver();
      const bRead = b.client.getToken();
      await deliver();
      world.server.hold = false;
      world.server.calls[0]?.answer();
      await vi.advanceTimersByTimeAsync(100);
      await Promise.all([aRead, bRead]);
      expect(world.server.calls, `handoverDelay ${handoverDelay}`).toHaveLength(expected);
    }
  });

  it('after getting the lock a tab re-checks its cache: a token that arrived while it was backing off is used, not re-fetched', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    const bRead = b.client.getToken();
    await deliver();
    world.server.callsFor('b')[0]?.fail(); // network error: B backs off (250 ms, random = 1) holding no lock
    await deliver();
    world.server.hold = false;
    const token = await a.client.getToken(); // A takes the free lock, fetches and shares
    await vi.advanceTimersByTimeAsync(300); // B's retry: gets the lock, finds A's token
    expect(await bRead).toBe(token);
    expect(world.server.callsFor('b')).toHaveLength(1);
  });
});
