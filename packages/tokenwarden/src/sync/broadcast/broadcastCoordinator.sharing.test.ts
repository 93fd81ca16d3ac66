import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../../../test/helpers';
import { claimsOf, createTabsWorld, makeJwt, sharedToken } from './fakeTabs';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets posted messages land (they are delivered in a later task, as in browsers). */
const deliver = () => vi.advanceTimersByTimeAsync(0);

describe('sharing: a tab that accepts a fresh token posts it on tokenwarden:<namespace>', () => {
  it('posts { v: 2, namespace, type, key, token, expiresAt, issuedAt, session, signOut } after accepting its own fetch', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    world.open('b');
    const token = await a.client.getToken({ template: 'supabase', organizationId: null });
    const { iat, exp } = claimsOf(token) as { iat: number; exp: number };
    expect(world.bus.posted).toEqual([
      {
        name: 'tokenwarden:app',
        tab: 'a',
        data: {
          v: 2,
          namespace: 'app',
          type: 'token',
          key: { template: 'supabase', organizationId: null },
          token,
          expiresAt: exp * 1000,
          issuedAt: iat * 1000,
          session: undefined,
          signOut: '',
        },
      },
    ]);
  });

  it('names the sender’s session when it has one', async () => {
    const world = createTabsWorld({ coordinator: { sessionId: () => 'sess_1' } });
    await world.open('a').client.getToken();
    expect(world.bus.posted[0]?.data).toMatchObject({ type: 'token', session: 'sess_1' });
  });

  it('tabs whose sessionId is long (a session token used as the id) still share', async () => {
    const world = createTabsWorld({ coordinator: { sessionId: `sess_${'x'.repeat(2_000)}` } });
    world.server.sid = undefined; // only the posted session proves the token is ours
    const [a, b] = [world.open('a'), world.open('b')];
    const token = await world.signIn([a, b], vi.advanceTimersByTimeAsync);
    expect(b.client.peekToken()).toBe(token);
    expect(world.server.calls).toHaveLength(1);
  });

  it('another tab that reads the key adopts it through its client’s door: served from cache with no request, as a coordinator token', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    const token = await world.signIn([a, b], vi.advanceTimersByTimeAsync);
    expect(b.client.peekToken()).toBe(token);
    expect(await b.client.getToken()).toBe(token);
    expect(world.server.calls).toHaveLength(1);
    expect(b.events).toContainEqual(expect.objectContaining({ type: 'token', origin: 'coordinator', token }));
  });

  it('a tab that never read the key adopts nothing for it (no entry, no event)', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    await a.client.getToken();
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    expect(b.client.snapshot().entries).toEqual([]);
    expect(b.events.filter((event) => event.type === 'token')).toEqual([]);
  });

  it('keeps keys apart: a token shared for one template is not served for another the tab also reads', async () => {
    const world = createTabsWorld();
    const b = world.open('b');
    world.server.hold = true;
    const keys = [{ template: 'supabase' }, {}, { template: 'supabase', organizationId: null }];
    const reads = keys.map((key) => b.client.getToken(key));
    await deliver();
    expect(world.server.callsFor('b')).toHaveLength(3);
    const token = world.server.mint();
    world.bus.inject('tokenwarden:app', sharedToken(token, { key: { template: 'supabase' } }));
    await deliver();
    expect(b.client.peekToken({ template: 'supabase' })).toBe(token);
    expect(b.client.peekToken()).toBeNull();
    expect(b.client.peekToken({ template: 'supabase', organizationId: null })).toBeNull();
    for (const call of world.server.callsFor('b')) call.answer();
    await Promise.all(reads);
  });

  // cache.accept once judged `nbf` on the early end of the server clock, which lags the true time by
  // up to the bounds' width (a second and more from whole-second readings): a tab then refused a
  // token another tab had just minted, kept its older one and fetched its own (in Chromium: 31
  // requests a minute instead of 12). `nbf` is now judged on the late end.
  it('adopts a just-minted token whose nbf is its iat, though this tab knows the server clock only to a second', async () => {
    const world = createTabsWorld({ coordinator: { locks: () => undefined } });
    world.server.notBefore = true;
    const a = world.open('a');
    const b = world.open('b');
    await vi.advanceTimersByTimeAsync(500);
    await b.client.getToken(); // B learns the server clock from an iat: to within a second
    await vi.advanceTimersByTimeAsync(9_700);
    const token = await a.client.getToken(); // minted at T0 + 10.2 s: iat = nbf = T0 + 10 s
    await deliver();
    expect(b.client.peekToken()).toBe(token);
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
    world.bus.inject('tokenwarden:app', sharedToken(older));
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
  const seconds = () => Math.floor(Date.now() / 1000);
  const fresh = (claims: Record<string, unknown> = {}) => makeJwt({ sid: 'sess_1', iat: seconds(), exp: seconds() + 60, ...claims });
  /** As another tab would post it (timing from the claims, no session, no sign-out), with `fields` overridden. */
  const envelope = (token: string, fields: Record<string, unknown> = {}) => ({ ...sharedToken(token), ...fields });
  const opaque = (fields: Record<string, unknown> = {}) => envelope('opaque-access-token', { expiresAt: Date.now() + 60_000, issuedAt: Date.now(), ...fields });

  /** B reads the default key while a leader elsewhere holds its lock: it waits for a shared token, up to waitTimeout. */
  async function waitingReader(sessionId: string | (() => string | undefined) = () => 'sess_1') {
    const world = createTabsWorld({ coordinator: { sessionId } });
    const b = world.open('b');
    await world.holdLock();
    const read = b.client.getToken();
    await deliver();
    return { world, b, read };
  }

  const hostile: Array<[string, () => unknown]> = [
    ['another namespace', () => envelope(fresh(), { namespace: 'evil' })],
    ['the previous protocol (v1: epoch, no expiry)', () => ({ v: 1, namespace: 'app', type: 'token', key: {}, token: fresh(), epoch: 0 })],
    ['another version', () => envelope(fresh(), { v: 99 })],
    ['a malformed envelope', () => ({ token: fresh() })],
    ['a bad key shape', () => envelope(fresh(), { key: { template: { $ne: 1 } } })],
    ['a message without expiresAt', () => envelope(fresh(), { expiresAt: undefined })],
    ['a string expiresAt', () => envelope(fresh(), { expiresAt: String(Date.now() + 60_000) })],
    ['a numeric signOut (a v1-style epoch)', () => envelope(fresh(), { signOut: 1e300 })],
    ['a token with string iat/exp and no usable expiry', () => envelope(makeJwt({ sid: 'sess_1', iat: 'now', exp: 'later' }))],
    ['an expired token', () => envelope(makeJwt({ sid: 'sess_1', iat: seconds() - 120, exp: seconds() - 60 }))],
    ['an expired JWT posted with a later expiresAt', () => envelope(makeJwt({ sid: 'sess_1', iat: seconds() - 120, exp: seconds() - 60 }), { expiresAt: Date.now() + 60_000 })],
    ['a token within minValidity of expiry', () => envelope(makeJwt({ sid: 'sess_1', iat: seconds() - 56, exp: seconds() + 4 }))],
    ['another session’s token', () => envelope(fresh({ sid: 'sess_2' }))],
    ['a token with no sid from a sender with no session', () => envelope(makeJwt({ iat: seconds(), exp: seconds() + 60 }))],
    ['a token with no sid from a sender in another session', () => envelope(makeJwt({ iat: seconds(), exp: seconds() + 60 }), { session: 'sess_2' })],
    ['an opaque token from a sender with no session', () => opaque()],
    ['a token claiming a 10-year lifetime', () => envelope(fresh({ exp: seconds() + 10 * 365 * 86_400 }))],
    ['a token issued an hour in the future', () => envelope(fresh({ iat: seconds() + 3_600, exp: seconds() + 3_660 }))],
    ['a token not valid for another hour (nbf)', () => envelope(fresh({ nbf: seconds() + 3_600 }))],
    ['a non-object', () => 'hello'],
  ];

  it.each(hostile)('ignores %s: nothing cached, the waiting read fetches after waitTimeout', async (_name, message) => {
    const { world, b, read } = await waitingReader();
    world.bus.inject('tokenwarden:app', message());
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    expect(b.events.filter((event) => event.type === 'token')).toEqual([]);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(world.server.calls).toHaveLength(1);
    expect(claimsOf(await read)['n']).toBe(1);
  });

  it.each([
    ['a JWT whose sid is ours', () => fresh()],
    ['an opaque token from a sender in our session', () => 'opaque-access-token'],
  ])('adopts a well-formed message (the harness can deliver): %s', async (_name, token) => {
    const { world, b, read } = await waitingReader();
    const shared = token();
    world.bus.inject('tokenwarden:app', shared.startsWith('opaque') ? opaque({ session: 'sess_1' }) : envelope(shared));
    await deliver();
    expect(b.client.peekToken()).toBe(shared);
    expect(await read).toBe(shared);
    expect(world.server.calls).toHaveLength(0);
  });

  it('checks the session at receive time when sessionId is a function (the user switched session)', async () => {
    let session = 'sess_1';
    const { world, b } = await waitingReader(() => session);
    session = 'sess_2';
    world.bus.inject('tokenwarden:app', envelope(fresh()));
    await deliver();
    expect(b.client.peekToken()).toBeNull();
  });

  it('accepts a fixed sessionId string too', async () => {
    const { world, b, read } = await waitingReader('sess_9');
    world.bus.inject('tokenwarden:app', envelope(fresh()));
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(claimsOf(await read)['sid']).toBe('sess_1');
  });
});
