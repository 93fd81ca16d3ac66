import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../../../test/helpers';
import { claimsOf, createTabsWorld, makeJwt } from './fakeTabs';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets posted messages land (they are delivered in a later task, as in browsers). */
const deliver = () => vi.advanceTimersByTimeAsync(0);

describe('sharing: a tab that accepts a fresh token posts it on tokenwarden:<namespace>', () => {
  it('posts { v, namespace, key, token } (plus type and its sign-out epoch) after accepting its own fetch', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    world.open('b');
    const token = await a.client.getToken({ template: 'supabase', organizationId: null });
    expect(world.bus.posted).toEqual([
      { name: 'tokenwarden:app', tab: 'a', data: { v: 1, namespace: 'app', type: 'token', key: { template: 'supabase', organizationId: null }, token, epoch: 0 } },
    ]);
  });

  it('another tab adopts it through its client’s door: served from cache with no request, as a coordinator token', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    const token = await a.client.getToken();
    await deliver();
    expect(b.client.peekToken()).toBe(token);
    expect(await b.client.getToken()).toBe(token);
    expect(world.server.calls).toHaveLength(1);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'token', origin: 'coordinator', token }));
  });

  it('keeps keys apart: a token shared for one template is not served for another', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    await a.client.getToken({ template: 'supabase' });
    await deliver();
    expect(b.client.peekToken({ template: 'supabase' })).not.toBeNull();
    expect(b.client.peekToken()).toBeNull();
    expect(b.client.peekToken({ template: 'supabase', organizationId: null })).toBeNull();
  });

  it('re-broadcasts nothing: adopting a token posts no message (no echo loops)', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    world.open('b');
    world.open('c');
    await a.client.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(world.bus.posted).toHaveLength(1);
  });

  it('is monotonic: a staler shared token never replaces the fresher one a tab holds', async () => {
    const world = createTabsWorld();
    const b = world.open('b');
    const older = world.server.mint(T0);
    await vi.advanceTimersByTimeAsync(10_000);
    const mine = await b.client.getToken();
    world.bus.inject('tokenwarden:app', { v: 1, namespace: 'app', type: 'token', key: {}, token: older, epoch: 0 });
    await deliver();
    expect(b.client.peekToken()).toBe(mine);
  });

  it('re-plans the receiving tab’s refresh from the received exp', async () => {
    const world = createTabsWorld({ ttl: 60 });
    const a = world.open('a');
    const b = world.open('b');
    await b.client.getToken(); // B's token would be refreshed 43 s in
    await vi.advanceTimersByTimeAsync(20_000);
    await a.client.getToken({ skipCache: true }); // A's token, minted at 20 s, reaches B
    await deliver();
    expect(world.server.calls).toHaveLength(2);
    // B keeps reading, but its refresh moved to 20 + 43 = 63 s.
    for (let s = 20; s < 62; s++) {
      await b.client.getToken();
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(world.server.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(world.server.calls).toHaveLength(3);
  });

  it('never cancels a refresh in flight: the receiving tab’s own fetch still completes and is kept if fresher', async () => {
    // Without locks both tabs fetch; B's request is slow.
    const world = createTabsWorld({ coordinator: { locks: () => undefined } });
    const a = world.open('a');
    const b = world.open('b');
    world.server.hold = true;
    const bRead = b.client.getToken();
    await vi.advanceTimersByTimeAsync(1_000);
    const aRead = a.client.getToken();
    await deliver();
    world.server.callsFor('a')[0]?.answer();
    const shared = await aRead;
    await deliver();
    expect(b.client.peekToken()).toBe(shared);
    const bCall = world.server.callsFor('b')[0];
    expect(bCall?.signal.aborted).toBe(false);
    const own = world.server.mint(Date.now());
    bCall?.answer(own);
    expect(await bRead).toBe(own);
    expect(b.client.peekToken()).toBe(own);
  });

  it('a failing postMessage never evicts a token: it is still served, and coordinator-degraded is reported', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    world.bus.failPosts = true;
    const token = await a.client.getToken();
    expect(token).not.toBeNull();
    expect(a.client.peekToken()).toBe(token);
    expect(a.events).toContainEqual(expect.objectContaining({ type: 'coordinator-degraded' }));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(await a.client.getToken()).toBe(token);
    expect(world.server.calls).toHaveLength(1);
  });
});

describe('sharing: hostile and broken messages are ignored', () => {
  const key = {};
  const fresh = () => makeJwt({ sid: 'sess_1', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60 });
  const envelope = (token: unknown, extra: Record<string, unknown> = {}) => ({ v: 1, namespace: 'app', type: 'token', key, token, epoch: 0, ...extra });

  const hostile: Array<[string, () => unknown]> = [
    ['another namespace', () => envelope(fresh(), { namespace: 'evil' })],
    ['another version', () => envelope(fresh(), { v: 99 })],
    ['a malformed envelope', () => ({ token: fresh() })],
    ['a bad key shape', () => envelope(fresh(), { key: { template: { $ne: 1 } } })],
    ['a token that is not a JWT', () => envelope('x.y')],
    ['a token with string iat/exp', () => envelope(makeJwt({ sid: 'sess_1', iat: 'now', exp: 'later' }))],
    ['an expired token', () => envelope(makeJwt({ sid: 'sess_1', iat: Date.now() / 1000 - 120, exp: Date.now() / 1000 - 60 }))],
    ['a token within minValidity of expiry', () => envelope(makeJwt({ sid: 'sess_1', iat: Date.now() / 1000 - 56, exp: Date.now() / 1000 + 4 }))],
    ['another session’s token', () => envelope(makeJwt({ sid: 'sess_2', iat: Date.now() / 1000, exp: Date.now() / 1000 + 60 }))],
    ['a non-object', () => 'hello'],
  ];

  it.each(hostile)('ignores %s: nothing cached, the next read fetches', async (_name, message) => {
    const world = createTabsWorld({ coordinator: { sessionId: () => 'sess_1' } });
    const b = world.open('b');
    world.bus.inject('tokenwarden:app', message());
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    expect(b.events.filter((event) => event.type === 'token')).toEqual([]);
    await b.client.getToken();
    expect(world.server.calls).toHaveLength(1);
  });

  it('adopts the same message when it is well-formed (the harness can deliver)', async () => {
    const world = createTabsWorld({ coordinator: { sessionId: () => 'sess_1' } });
    const b = world.open('b');
    const token = fresh();
    world.bus.inject('tokenwarden:app', envelope(token));
    await deliver();
    expect(b.client.peekToken()).toBe(token);
  });

  it('checks the session at receive time when sessionId is a function (the user switched session)', async () => {
    let session = 'sess_1';
    const world = createTabsWorld({ coordinator: { sessionId: () => session } });
    const b = world.open('b');
    session = 'sess_2';
    world.bus.inject('tokenwarden:app', envelope(fresh()));
    await deliver();
    expect(b.client.peekToken()).toBeNull();
  });

  it('accepts a fixed sessionId string too', async () => {
    const world = createTabsWorld({ coordinator: { sessionId: 'sess_9' } });
    const b = world.open('b');
    world.bus.inject('tokenwarden:app', envelope(fresh()));
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    expect(claimsOf(await b.client.getToken())['sid']).toBe('sess_1');
  });
});
