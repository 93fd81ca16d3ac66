import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../../../test/helpers';
import { createTabsWorld } from './fakeTabs';
import { readMessage } from './messages';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const asking = { coordinator: { askTimeout: 100 } };
/** Lets posted messages and lock grants land. */
const settle = () => vi.advanceTimersByTimeAsync(0);
const typesPosted = (world: ReturnType<typeof createTabsWorld>) => world.bus.posted.map((message) => (message.data as { type: string }).type);

describe('a tab opened beside others asks them before its first fetch of a key', () => {
  it('gets the token another tab already serves, with no request of its own', async () => {
    const world = createTabsWorld(asking);
    const a = world.open('a');
    const token = await a.client.getToken({ template: 'supabase' });
    const b = world.open('b');
    await settle();
    const pending = b.client.getToken({ template: 'supabase' });
    await vi.advanceTimersByTimeAsync(5);
    expect(await pending).toBe(token);
    expect(world.server.calls).toHaveLength(1);
    expect(typesPosted(world)).toEqual(['token', 'request', 'token']);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'token', origin: 'coordinator', token }));
  });

  it('asks even when the first read comes at start-up, before its presence lock was granted', async () => {
    const world = createTabsWorld(asking);
    const token = await world.open('a').client.getToken();
    const b = world.open('b');
    const pending = b.client.getToken();
    await vi.advanceTimersByTimeAsync(5);
    expect(await pending).toBe(token);
    expect(world.server.calls).toHaveLength(1);
  });

  it('five tabs opened one after another make one request between them', async () => {
    const world = createTabsWorld(asking);
    const first = await world.open('t0').client.getToken();
    for (let i = 1; i < 5; i++) {
      const tab = world.open(`t${i}`);
      await settle();
      const pending = tab.client.getToken();
      await vi.advanceTimersByTimeAsync(5);
      expect(await pending).toBe(first);
    }
    expect(world.server.calls).toHaveLength(1);
  });

  it('a lone tab does not wait: its first fetch starts at once', async () => {
    const world = createTabsWorld(asking);
    const a = world.open('a');
    await settle();
    const pending = a.client.getToken();
    await settle();
    expect(world.server.calls).toHaveLength(1);
    expect(typeof (await pending)).toBe('string');
    expect(typesPosted(world)).toEqual(['token']);
  });

  it('when no open tab has the key, the wait is bounded by askTimeout, then it fetches', async () => {
    const world = createTabsWorld(asking);
    const a = world.open('a');
    await a.client.getToken();
    const b = world.open('b');
    await settle();
    const pending = b.client.getToken({ template: 'other' });
    await vi.advanceTimersByTimeAsync(99);
    expect(world.server.callsFor('b')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(world.server.callsFor('b')).toHaveLength(1);
    expect(typeof (await pending)).toBe('string');
  });

  it('a tab that serves no token for the key does not answer (signed out here)', async () => {
    const world = createTabsWorld(asking);
    const a = world.open('a');
    await a.client.getToken();
    a.client.clear();
    const b = world.open('b');
    await settle();
    const pending = b.client.getToken();
    await vi.advanceTimersByTimeAsync(99);
    expect(typesPosted(world).filter((type) => type === 'token')).toHaveLength(1);
    expect(world.server.callsFor('b')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(world.server.callsFor('b')).toHaveLength(1);
    await pending;
  });

  it('a closed tab is no longer counted: the next new tab does not wait for it', async () => {
    const world = createTabsWorld(asking);
    world.open('a');
    await settle();
    world.close('a');
    const b = world.open('b');
    await settle();
    void b.client.getToken();
    await settle();
    expect(world.server.callsFor('b')).toHaveLength(1);
  });

  it('only first fetches ask: forced and proactive refreshes never do', async () => {
    const world = createTabsWorld(asking);
    const a = world.open('a');
    world.open('b');
    await settle();
    const first = a.client.getToken();
    await vi.advanceTimersByTimeAsync(100);
    await first;
    const forced = a.client.getToken({ skipCache: true });
    await vi.advanceTimersByTimeAsync(100);
    await forced;
    await vi.advanceTimersByTimeAsync(44_000);
    expect(world.server.callsFor('a').length).toBeGreaterThanOrEqual(3);
    expect(typesPosted(world).filter((type) => type === 'request')).toHaveLength(1);
  });

  it('request messages are validated like any other: a bad key is ignored', () => {
    expect(readMessage({ v: 2, namespace: 'app', type: 'request', key: { template: 'x' } }, 'app')).toMatchObject({ type: 'request' });
    expect(readMessage({ v: 2, namespace: 'app', type: 'request', key: { template: 1 } }, 'app')).toBeUndefined();
    expect(readMessage({ v: 2, namespace: 'app', type: 'request' }, 'app')).toBeUndefined();
    expect(readMessage({ v: 2, namespace: 'other', type: 'request', key: {} }, 'app')).toBeUndefined();
    expect(readMessage({ v: 1, namespace: 'app', type: 'request', key: {}, epoch: 0 }, 'app')).toBeUndefined();
  });

  it('the answer is an ordinary v2 token message with the answering tab’s timing, session and last sign-out', async () => {
    const world = createTabsWorld({ coordinator: { askTimeout: 100, sessionId: 'sess_1' } });
    const a = world.open('a');
    const token = await a.client.getToken();
    const b = world.open('b');
    await settle();
    const pending = b.client.getToken();
    await vi.advanceTimersByTimeAsync(5);
    expect(await pending).toBe(token);
    const entry = a.client.snapshot().entries[0];
    expect(world.bus.posted.at(-1)).toEqual({
      name: 'tokenwarden:app',
      tab: 'a',
      data: { v: 2, namespace: 'app', type: 'token', key: {}, token, expiresAt: entry?.expiresAt, issuedAt: entry?.issuedAt, session: 'sess_1', signOut: '' },
    });
  });

  it('without locks.query (older browsers) it never asks and behaves as before', async () => {
    const world = createTabsWorld(asking);
    const a = world.open('a');
    await a.client.getToken();
    const manager = world.locks.manager('b');
    const b = world.open('b', { coordinator: { locks: () => ({ request: manager.request }) } });
    await settle();
    void b.client.getToken({ template: 'other' });
    await settle();
    expect(world.server.callsFor('b')).toHaveLength(1);
    expect(typesPosted(world)).not.toContain('request');
  });
});
