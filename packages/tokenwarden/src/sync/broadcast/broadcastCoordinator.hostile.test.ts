/**
 * What one tab (or any script of the origin) can make the others do through the channel, and
 * what clock skew in one tab can do to the rest (issue 11, items 5 and 6). Each test here failed
 * before the v2 protocol and the client's bounded door.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../../../test/helpers';
import type { TokenEvent } from '../../types';
import { type FakeTab, claimsOf, createTabsWorld, sharedToken } from './fakeTabs';
import { MESSAGE_VERSION } from './messages';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
const deliver = () => advance(0);
const tokenEvents = (tab: FakeTab) => tab.events.filter((event): event is Extract<TokenEvent, { type: 'token' }> => event.type === 'token');
const YEAR_S = 365 * 86_400;

/** Each tab reads the default key and ends up holding a token (its own fetch or an adopted one). */
async function readAll(tabs: FakeTab[]) {
  const reads = tabs.map((tab) => tab.client.getToken());
  await advance(100);
  for (const token of await Promise.all(reads)) expect(token).not.toBeNull();
  for (const tab of tabs) expect(tab.client.peekToken()).not.toBeNull();
}

function expectSignedOut(tabs: FakeTab[]) {
  for (const tab of tabs) expect(tab.client.peekToken(), tab.name).toBeNull();
}

describe('sign-outs cannot be switched off', () => {
  // Without locks every tab fetches for itself: these tests are about the sign-out messages only.
  const world = () => createTabsWorld({ coordinator: { locks: () => undefined } });

  it('a forged sign-out with a huge epoch (and any id) signs out once, and later genuine sign-outs still apply everywhere', async () => {
    const tabs = world();
    const [a, b, c] = ['a', 'b', 'c'].map((name) => tabs.open(name)) as [FakeTab, FakeTab, FakeTab];
    await readAll([a, b, c]);
    // Any script of the origin can sign the tabs out; what it must not do is stop the next sign-out.
    tabs.bus.inject('tokenwarden:app', { v: MESSAGE_VERSION, namespace: 'app', type: 'signed-out', id: 'forged', epoch: 1e300 });
    await deliver();
    expectSignedOut([a, b, c]);

    await advance(1_000);
    await readAll([a, b, c]);
    a.client.clear(); // a tab that heard the forgery
    await deliver();
    expectSignedOut([b, c]);

    await advance(1_000);
    const late = tabs.open('late'); // opened after the forgery: it never heard it
    await readAll([a, b, c, late]);
    late.client.clear();
    await deliver();
    expectSignedOut([a, b, c]);

    await advance(1_000);
    await readAll([a, b, c]);
    tabs.server.signedOut = true; // the server ends the session: b hears null and tells the others
    expect(await b.client.getToken({ skipCache: true })).toBeNull();
    await deliver();
    expectSignedOut([a, c]);
  });

  it('a tab whose clock is 10 min fast signs out, and the others still apply every later sign-out', async () => {
    const tabs = world();
    const [a, b] = ['a', 'b'].map((name) => tabs.open(name)) as [FakeTab, FakeTab];
    // Never fetched, so its idea of the server's clock is its own clock: 10 min ahead.
    const fast = tabs.open('fast', { client: { clock: { now: () => Date.now() + 600_000 } } });
    await readAll([a, b]);
    fast.client.clear();
    await deliver();
    expectSignedOut([a, b]);

    await advance(1_000);
    await readAll([a, b]);
    a.client.clear();
    await deliver();
    expectSignedOut([b]);

    await advance(1_000);
    const late = tabs.open('late'); // opened after the fast tab's sign-out, on a correct clock
    await readAll([a, b, late]);
    late.client.clear();
    await deliver();
    expectSignedOut([a, b]);

    await advance(1_000);
    await readAll([a, b, late]);
    fast.client.clear(); // and the fast tab again
    await deliver();
    expectSignedOut([a, b, late]);
  });
});

describe('what another tab may deliver is bounded', () => {
  it('with sessionId set, a token without sid from a sender with no session, or another one, is refused; ours is adopted', async () => {
    const world = createTabsWorld();
    world.server.sid = undefined; // the issuer puts no sid in its tokens
    const noSession = world.open('no-session');
    const other = world.open('other', { coordinator: { sessionId: 'sess_2' } });
    const ours = world.open('ours', { coordinator: { sessionId: 'sess_1' } });
    const b = world.open('b', { coordinator: { sessionId: () => 'sess_1' } });

    // B reads while the tab with no session refreshes: it waits, refuses that token, fetches itself.
    world.server.hold = true;
    const leader = noSession.client.getToken();
    await deliver();
    const read = b.client.getToken();
    await deliver();
    world.server.hold = false;
    world.server.callsFor('no-session')[0]?.answer();
    const refused = await leader;
    await advance(100);
    const own = await read;
    expect(own).not.toBe(refused);
    expect(world.server.callsFor('b')).toHaveLength(1);

    // A later token (it would win on expiry) from a tab of another session.
    await advance(5_000);
    const foreign = await other.client.getToken({ skipCache: true });
    await deliver();
    expect(world.bus.posted.at(-1)?.data).toMatchObject({ token: foreign, session: 'sess_2' });
    expect(b.client.peekToken()).toBe(own);

    // The same from a script that names no session, or another one.
    for (const session of [undefined, 'sess_3']) {
      world.bus.inject('tokenwarden:app', sharedToken(world.server.mint(), { session }));
      await deliver();
      expect(b.client.peekToken()).toBe(own);
    }
    expect(tokenEvents(b).map((event) => event.origin)).toEqual(['fetch']);

    // A tab of our session proves it by the session it posts.
    await advance(5_000);
    const shared = await ours.client.getToken({ skipCache: true });
    await deliver();
    expect(b.client.peekToken()).toBe(shared);
  });

  it('2 000 tokens for keys this tab never read are refused and create no entry; the one key it reads is adopted', async () => {
    const world = createTabsWorld();
    const b = world.open('b');
    await world.holdLock({ template: 'read' });
    const read = b.client.getToken({ template: 'read' });
    await deliver();
    for (let i = 0; i < 2_000; i++) {
      world.bus.inject('tokenwarden:app', sharedToken(world.server.mint(), { key: { template: `unread-${i}` } }));
    }
    // Nor from a real tab: its tokens for keys B does not read stay with it.
    const a = world.open('a');
    await a.client.getToken({ template: 'elsewhere' });
    await deliver();
    expect(b.client.snapshot().entries.map((entry) => entry.key)).toEqual([{ template: 'read' }]);
    expect(tokenEvents(b)).toEqual([]);
    expect(b.client.peekToken({ template: 'unread-0' })).toBeNull();
    const token = world.server.mint();
    world.bus.inject('tokenwarden:app', sharedToken(token, { key: { template: 'read' } }));
    await deliver();
    expect(await read).toBe(token);
    expect(b.client.snapshot().entries).toHaveLength(1);
    expect(world.server.callsFor('b')).toHaveLength(0);
  });

  it('a token that expires 10 years ahead is refused (JWT or opaque); the reading tab fetches its own', async () => {
    const world = createTabsWorld();
    const b = world.open('b');
    await world.holdLock();
    const read = b.client.getToken();
    await deliver();
    const now = Math.floor(Date.now() / 1000);
    const decade = world.server.mint(Date.now(), { exp: now + 10 * YEAR_S });
    world.bus.inject('tokenwarden:app', sharedToken(decade));
    world.bus.inject('tokenwarden:app', sharedToken('opaque-decade-token', { expiresAt: Date.now() + 10 * YEAR_S * 1000, issuedAt: Date.now() }));
    // Issued long ago, expiring soon after a decade of life: refused all the same.
    world.bus.inject('tokenwarden:app', sharedToken(world.server.mint(Date.now() - 10 * YEAR_S * 1000, { exp: now + 60 })));
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    expect(tokenEvents(b)).toEqual([]);
    await advance(3_000);
    const own = await read;
    expect(own).not.toBe(decade);
    expect(world.server.callsFor('b')).toHaveLength(1);
  });

  it('maxTokenLifetime sets the bound: a 5-minute token is refused by a client that allows 2 minutes', async () => {
    const world = createTabsWorld({ ttl: 300, client: { maxTokenLifetime: 120 } });
    const b = world.open('b');
    await world.holdLock();
    void b.client.getToken();
    await deliver();
    world.bus.inject('tokenwarden:app', sharedToken(world.server.mint()));
    await deliver();
    expect(b.client.peekToken()).toBeNull();
    world.server.ttl = 120;
    const fits = world.server.mint();
    world.bus.inject('tokenwarden:app', sharedToken(fits));
    await deliver();
    expect(b.client.peekToken()).toBe(fits);
  });
});

describe('clear() inside a token listener', () => {
  it('the pre-sign-out token is never posted, so the other tab never adopts it', async () => {
    const world = createTabsWorld();
    const a = world.open('a');
    const b = world.open('b');
    // A signs out as soon as it gets a token (an app that finds the user was switched, say).
    let preSignOut: string | undefined;
    a.client.subscribe((event) => {
      if (event.type === 'token' && event.origin === 'fetch' && preSignOut === undefined) {
        preSignOut = event.token;
        a.client.clear();
      }
    });
    // B reads again as soon as it is signed out, so it would take any token for the key.
    b.client.subscribe((event) => {
      if (event.type === 'signed-out') void b.client.getToken();
    });
    world.server.hold = true;
    const aRead = a.client.getToken();
    await deliver();
    const bRead = b.client.getToken(); // waits for A's token
    await deliver();
    world.server.callsFor('a')[0]?.answer();
    expect(await aRead).toBeNull(); // A's own caller: the clear() cancelled its read
    await advance(100);
    expect(preSignOut).toEqual(expect.any(String));
    expect(await bRead).toBeNull();
    expect(b.client.snapshot().entries.map((entry) => entry.key)).toEqual([{}]); // B did read again
    expect(tokenEvents(b).map((event) => event.token)).not.toContain(preSignOut);
    expect(b.client.peekToken()).toBeNull();
    expect(world.bus.posted.map((message) => (message.data as { type: string }).type)).toEqual(['signed-out']);
  });
});

describe('opaque tokens (not JWTs) travel with their expiry', () => {
  it('one tab fetches { token, expiresIn }; the waiting tab adopts the same token with the same expiry, no request of its own', async () => {
    const world = createTabsWorld();
    world.server.opaque = true;
    const a = world.open('a');
    const b = world.open('b');
    const token = await world.signIn([a, b], advance);
    expect(token).toMatch(/^opaque-/);
    expect(world.server.calls).toHaveLength(1);
    const posted = world.bus.posted.find((message) => (message.data as { type: string }).type === 'token')?.data as { expiresAt: number; issuedAt: number };
    expect(posted).toMatchObject({ type: 'token', token, expiresAt: T0 + 60_000, issuedAt: T0 });
    expect(b.client.peekToken()).toBe(token);
    const adopted = tokenEvents(b).at(-1);
    expect(adopted).toMatchObject({ origin: 'coordinator', token, claims: undefined, expiresAt: posted.expiresAt, issuedAt: posted.issuedAt });
    expect(b.client.snapshot().entries[0]).toMatchObject({ expiresAt: T0 + 60_000, claims: undefined });
  });

  it('a tab opened later asks and adopts the opaque token the open tab serves', async () => {
    const world = createTabsWorld({ coordinator: { askTimeout: 100 } });
    world.server.opaque = true;
    const token = await world.open('a').client.getToken();
    const b = world.open('b');
    await deliver();
    let answered: string | null | undefined;
    void b.client.getToken().then((read) => {
      answered = read;
    });
    await advance(5); // well within askTimeout: the open tab's answer, not a fetch
    expect(answered).toBe(token);
    expect(world.server.calls).toHaveLength(1);
  });
});
