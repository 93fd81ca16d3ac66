import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../../../test/helpers';
import { type FakeTab, createTabsWorld, sharedToken } from './fakeTabs';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const deliver = () => vi.advanceTimersByTimeAsync(0);

/** Lets a chain of promise callbacks (an answered fetch, its acceptance, its broadcast) run without firing timers. */
async function runMicrotasks() {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const signOutId = expect.stringMatching(/^[0-9a-f]{24}$/);

/** Three tabs reading the default key, holding A's token (one request), A's lock handed over. */
async function threeSignedInTabs() {
  const world = createTabsWorld();
  const tabs = ['a', 'b', 'c'].map((name) => world.open(name));
  const [a, b, c] = tabs as [FakeTab, FakeTab, FakeTab];
  const token = await world.signIn([a, b, c], advance);
  return { world, a, b, c, token };
}

describe('sign-out: clear() in one tab signs out every tab', () => {
  it('every tab drops its tokens and reports cleared (remote) and signed-out', async () => {
    const { world, a, b, c } = await threeSignedInTabs();
    expect(c.client.peekToken()).not.toBeNull();
    a.client.clear();
    await deliver();
    for (const tab of [a, b, c]) expect(tab.client.peekToken()).toBeNull();
    for (const tab of [b, c]) {
      expect(tab.events).toContainEqual({ type: 'cleared', origin: 'remote' });
      expect(tab.events).toContainEqual({ type: 'signed-out' });
    }
    expect(world.bus.posted.at(-1)?.data).toEqual({ v: 2, namespace: 'app', type: 'signed-out', id: signOutId });
    // Only the tab that signed out said so: the others did not pass it on.
    expect(world.bus.posted.filter((message) => (message.data as { type: string }).type === 'signed-out')).toHaveLength(1);
  });

  it('aborts fetches in flight in the other tabs; their callers, and tabs waiting on them, get null', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    const c = world.open('c');
    world.server.hold = true;
    const bRead = b.client.getToken();
    await deliver();
    const cRead = c.client.getToken(); // waits on B's lock
    await deliver();
    a.client.clear();
    await deliver();
    expect(world.server.callsFor('b')[0]?.signal.aborted).toBe(true);
    expect(await bRead).toBeNull();
    expect(await cRead).toBeNull();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(world.server.calls).toHaveLength(1);
  });

  it('a signed-out answer from the server in one tab signs out the others', async () => {
    const { world, a, b, c } = await threeSignedInTabs();
    world.server.signedOut = true;
    expect(await b.client.getToken({ skipCache: true })).toBeNull();
    await deliver();
    expect(a.client.peekToken()).toBeNull();
    expect(c.events).toContainEqual({ type: 'signed-out' });
  });

  it('refuses a token issued before the sign-out that arrives after it, even in the same second', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    const c = world.open('c');
    // A reads again as soon as it is signed out (an app checking whether anyone is signed in).
    a.client.subscribe((event) => {
      if (event.type === 'signed-out') void a.client.getToken();
    });
    world.server.hold = true;
    await vi.advanceTimersByTimeAsync(100);
    void c.client.getToken(); // minted at T0 + 100 ms, answered later
    await deliver();
    await vi.advanceTimersByTimeAsync(400);
    b.client.clear(); // T0 + 500 ms: "signed out" is on its way to A and C
    world.server.callsFor('c')[0]?.answer();
    await runMicrotasks(); // C accepts and shares its token before it hears of the sign-out
    expect(world.bus.posted.map((message) => (message.data as { type: string }).type)).toEqual(['signed-out', 'token']);
    expect(world.bus.posted[1]?.data).toMatchObject({ signOut: '' });
    await deliver();
    // A heard the sign-out, read again, then heard C's token: issued in the sign-out's second, by a
    // tab that had not seen it.
    expect(a.client.snapshot().entries.map((entry) => entry.key)).toEqual([{}]);
    expect(a.client.peekToken()).toBeNull();
    expect(a.events.filter((event) => event.type === 'token')).toEqual([]);
    expect(c.client.peekToken()).toBeNull();
  });

  it('still adopts tokens minted after the sign-out by a tab that never heard of it (a tab opened later)', async () => {
    const { world, a, b } = await threeSignedInTabs();
    await vi.advanceTimersByTimeAsync(500);
    b.client.clear();
    await deliver();
    await vi.advanceTimersByTimeAsync(5_000);
    const late = world.open('late');
    const token = await world.signIn([late, a], advance);
    expect(world.bus.posted.at(-1)?.data).toMatchObject({ type: 'token', token, signOut: '' });
    expect(a.client.peekToken()).toBe(token);
  });

  it('a replayed sign-out (an id already applied) does not sign out the session that followed; a new id does', async () => {
    const { world, a, b } = await threeSignedInTabs();
    await vi.advanceTimersByTimeAsync(1_000);
    b.client.clear();
    await deliver();
    const firstSignOut = world.bus.posted.at(-1)?.data as { id: string };
    expect(firstSignOut).toMatchObject({ type: 'signed-out', id: signOutId });
    await vi.advanceTimersByTimeAsync(2_000);
    const token = await world.signIn([b, a], advance); // signed in again
    expect(a.client.peekToken()).toBe(token);
    world.bus.inject('tokenwarden:app', { ...firstSignOut });
    world.bus.inject('tokenwarden:app', { ...firstSignOut });
    await deliver();
    expect(a.client.peekToken()).toBe(token);
    expect(b.client.peekToken()).toBe(token);
    world.bus.inject('tokenwarden:app', { ...firstSignOut, id: 'another-sign-out' });
    await deliver();
    expect(a.client.peekToken()).toBeNull();
    expect(b.client.peekToken()).toBeNull();
  });

  it('two sign-outs in the same millisecond are both news to the other tabs', async () => {
    const { world, a, b } = await threeSignedInTabs();
    const at = Date.now();
    a.client.clear();
    await deliver();
    const first = world.bus.posted.at(-1)?.data as { id: string };
    // B signs in again within the same millisecond, with a token from a tab that heard that sign-out.
    const release = await world.holdLock();
    const read = b.client.getToken();
    await deliver();
    const token = world.server.mint();
    world.bus.inject('tokenwarden:app', sharedToken(token, { signOut: first.id }));
    await deliver();
    expect(await read).toBe(token);
    release();
    a.client.clear();
    await deliver();
    expect(Date.now()).toBe(at);
    const second = world.bus.posted.at(-1)?.data as { id: string };
    expect(second.id).not.toBe(first.id);
    expect(b.client.peekToken()).toBeNull();
  });

  it('closing a tab (destroy) signs no one out and stops its sharing', async () => {
    const { world, a, b } = await threeSignedInTabs();
    const channelsBefore = world.bus.openChannels;
    a.client.destroy();
    await deliver();
    expect(b.client.peekToken()).not.toBeNull();
    expect(b.events.map((event) => event.type)).not.toContain('signed-out');
    expect(world.bus.openChannels).toBe(channelsBefore - 1);
  });
});
