import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, mintingSource, noWake } from '../../../test/helpers';
import { createTokenClient } from '../../client';
import type { TokenEvent } from '../../types';
import { broadcastCoordinator } from './broadcastCoordinator';
import type { ChannelLike } from './channel';
import { createTabsWorld } from './fakeTabs';
import { InMemoryLocks } from './testing';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('degrades to local behaviour where BroadcastChannel or navigator.locks is missing', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });

  it('with neither global: each client fetches for itself, with no errors and no degraded events', async () => {
    vi.stubGlobal('BroadcastChannel', undefined);
    vi.stubGlobal('navigator', undefined);
    const source = mintingSource(60);
    const events: TokenEvent[] = [];
    const clients = [1, 2].map(() => {
      const client = createTokenClient({ fetchToken: source.fetchToken, network: fakeNetwork(), wake: noWake, coordinator: broadcastCoordinator({ namespace: 'app' }) });
      client.subscribe((event) => events.push(event));
      return client;
    });
    const [first, second] = await Promise.all(clients.map((client) => client.getToken()));
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    clients[0]?.clear();
    await vi.advanceTimersByTimeAsync(0);
    expect(clients[1]?.peekToken()).toBe(second);
    expect(events.filter((event) => event.type === 'coordinator-degraded')).toEqual([]);
    for (const client of clients) client.destroy();
  });

  it('uses navigator.locks by default where the runtime has it', async () => {
    const locks = new InMemoryLocks();
    vi.stubGlobal('navigator', { locks: locks.manager('a') });
    const client = createTokenClient({
      fetchToken: mintingSource(60).fetchToken,
      network: fakeNetwork(),
      wake: noWake,
      coordinator: broadcastCoordinator({ namespace: 'app', channel: () => undefined }),
    });
    await client.getToken();
    expect(locks.requests).toEqual([{ tab: 'a', name: 'tokenwarden:app:{}', ifAvailable: true }]);
    client.destroy();
  });

  it('with a channel but no locks: tokens are still shared (each tab fetches, and adopts the later token)', async () => {
    const world = createTabsWorld({ coordinator: { locks: () => undefined } });
    const a = world.open('a');
    const b = world.open('b');
    const own = await b.client.getToken();
    await vi.advanceTimersByTimeAsync(10_000);
    const token = await a.client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    expect(token).not.toBe(own);
    expect(b.client.peekToken()).toBe(token);
    expect(await b.client.getToken()).toBe(token);
    expect(world.server.calls).toHaveLength(2);
  });

  it('with locks but no channel: the waiting tab gets the lock when the leader is done and fetches itself, without errors', async () => {
    const world = createTabsWorld({ coordinator: { channel: () => undefined } });
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    const aRead = a.client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    const bRead = b.client.getToken();
    await vi.advanceTimersByTimeAsync(0);
    world.server.hold = false;
    world.server.calls[0]?.answer();
    await vi.advanceTimersByTimeAsync(10);
    expect(await aRead).not.toBeNull();
    expect(await bRead).not.toBeNull();
    expect(world.server.calls.map((call) => call.tab)).toEqual(['a', 'b']);
    expect([...a.events, ...b.events].filter((event) => event.type === 'coordinator-degraded')).toEqual([]);
  });

  it('a lock manager that throws (SecurityError): fetches locally and reports coordinator-degraded', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    world.locks.failWith = new DOMException('denied', 'SecurityError');
    expect(await a.client.getToken()).not.toBeNull();
    expect(a.events).toContainEqual(expect.objectContaining({ type: 'coordinator-degraded' }));
  });

  it('a channel factory that throws, or a channel that refuses listeners, leaves sharing off without breaking the client', async () => {
    const source = mintingSource(60);
    const broken: ChannelLike = {
      postMessage: () => undefined,
      addEventListener: () => {
        throw new Error('no listeners here');
      },
      removeEventListener: () => undefined,
      close: () => undefined,
    };
    for (const channel of [
      () => {
        throw new Error('no channel here');
      },
      () => broken,
    ]) {
      const client = createTokenClient({
        fetchToken: source.fetchToken,
        network: fakeNetwork(),
        wake: noWake,
        coordinator: broadcastCoordinator({ namespace: 'app', channel, locks: () => undefined }),
      });
      expect(await client.getToken()).not.toBeNull();
      client.clear();
      client.destroy();
    }
  });

  it('rejects a missing namespace and a bad waitTimeout at creation (programming errors)', () => {
    expect(() => broadcastCoordinator({ namespace: '' })).toThrow(TypeError);
    expect(() => broadcastCoordinator({} as never)).toThrow(TypeError);
    expect(() => broadcastCoordinator({ namespace: 'app', waitTimeout: -1 })).toThrow(TypeError);
    expect(() => broadcastCoordinator({ namespace: 'app', handoverDelay: Number.NaN })).toThrow(TypeError);
  });
});

describe('default channel: the runtime’s real BroadcastChannel', () => {
  it('two clients in one process share a token over Node’s BroadcastChannel (no lock manager in Node 20)', async () => {
    const source = mintingSource(60);
    // B is offline: it reads the key (so it takes a token for it) but cannot fetch one itself.
    const make = (online: boolean) =>
      createTokenClient({
        fetchToken: source.fetchToken,
        network: fakeNetwork(online),
        wake: noWake,
        coordinator: broadcastCoordinator({ namespace: `node-${process.pid}` }),
      });
    const a = make(true);
    const b = make(false);
    try {
      await expect(b.getToken()).rejects.toMatchObject({ name: 'OfflineError' });
      const token = await a.getToken();
      await vi.waitFor(() => expect(b.peekToken()).toBe(token), { timeout: 2_000, interval: 10 });
      expect(source.fetchToken).toHaveBeenCalledTimes(1);
    } finally {
      a.destroy();
      b.destroy();
    }
  });
});
