import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freshJwt, makeJwt } from '../../../test/helpers';
import { DRIVERS, type Driver, type TestRedis } from '../../../test/redis/drivers';
import { type Instance, connectRedis, countClaims, createInstance, manualTimers, origin, ready } from '../../../test/redis/instances';
import { type RedisServer, startRedisServer } from '../../../test/redis/redisServer';
import type { CoordinatorHost, SharedToken, TokenEvent, TokenRecord } from '../../types';
import { redisCoordinator } from './redisCoordinator';
import type { RedisSubscriberConnection } from './redisClient';
import { redisNames } from './redisNames';
import { CLAIM, INVALIDATE, PUBLISH, RELEASE, scriptSha } from './scripts';

// Real redis-server on a free loopback port; every test uses its own namespace. The whole suite
// runs once per Node client (ioredis, node-redis): `driver` is the one of the running block.
let server: RedisServer;
let admin: Redis;
let driver: Driver;
const opened: TestRedis[] = [];
const instances: Instance<TestRedis>[] = [];
let namespaceSerial = 0;

beforeAll(async () => {
  server = await startRedisServer();
  admin = await connectRedis(server.port);
});

afterEach(async () => {
  for (const instance of instances.splice(0)) instance.client.destroy();
  for (const redis of opened.splice(0)) redis.disconnect();
  if (!server.running) await server.start();
  await ready(admin);
  await admin.call('CLIENT', 'UNPAUSE');
});

afterAll(async () => {
  admin?.disconnect();
  await server?.dispose();
});

function freshNamespace(): string {
  return `test-${++namespaceSerial}`;
}

async function redisFor(): Promise<TestRedis> {
  const redis = await driver.connect(server.port);
  opened.push(redis);
  return redis;
}

async function instance(name: string, namespace: string, options: Parameters<typeof createInstance>[3] = {}): Promise<Instance<TestRedis>> {
  const created = createInstance(name, await redisFor(), namespace, options);
  instances.push(created);
  return created;
}

/** Waits (bounded) until Redis holds a shared token for the default key of `namespace`. */
async function storedToken(namespace: string, key = {}): Promise<Record<string, string>> {
  const name = redisNames('', namespace).token(key);
  await vi.waitFor(async () => expect(await admin.exists(name)).toBe(1), { timeout: 2_000, interval: 5 });
  return admin.hgetall(name);
}

/** A host that records what the link does, for tests of the link alone. */
function recordingHost(minValidity = 5): CoordinatorHost & { offered: string[]; signOuts: number; events: TokenEvent[] } {
  const host = {
    offered: [] as string[],
    signOuts: 0,
    events: [] as TokenEvent[],
    offer: (_key: unknown, token: string | SharedToken) => {
      host.offered.push(typeof token === 'string' ? token : token.token);
      return true;
    },
    signOut: () => {
      host.signOuts++;
    },
    now: () => Date.now(),
    peek: () => null,
    minValidity,
    emit: (event: TokenEvent) => host.events.push(event),
  };
  return host;
}

/** The record the engine publishes for a JWT (times in ms, as the server stated them). */
function recordOf(token: string): TokenRecord {
  const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { iat: number; exp: number };
  return { token, issuedAt: claims.iat * 1000, expiresAt: claims.exp * 1000 };
}

/** The hash a shared token is stored as: epoch, token and its timing (ms). */
function storedAs(epoch: number, token: string): Record<string, string> {
  const { issuedAt, expiresAt } = recordOf(token);
  return { epoch: String(epoch), token, exp: String(expiresAt), iat: String(issuedAt) };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe.each(DRIVERS)('with $name', (current) => {
  beforeAll(() => {
    driver = current;
  });

  describe('shared store', () => {
    it('stores a fetched token with PX = remaining validity - minValidity, holding only the epoch, the token and its timing', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const token = await a.client.getToken();
      const stored = await storedToken(ns);
      expect(stored).toEqual(storedAs(0, token as string));
      const pttl = await admin.pttl(redisNames('', ns).token({}));
      // 60 s token, minValidity 5 s: at most 55 s, minus the time the test took.
      expect(pttl).toBeLessThanOrEqual(55_000);
      expect(pttl).toBeGreaterThan(53_000);
    });

    it('another instance adopts the stored token instead of fetching (through the client door, origin coordinator)', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      const token = await a.client.getToken({ template: 'api' });
      await storedToken(ns, { template: 'api' });
      expect(await b.client.getToken({ template: 'api' })).toBe(token);
      expect(b.fetchToken).not.toHaveBeenCalled();
      expect(b.events).toContainEqual(expect.objectContaining({ type: 'token', origin: 'coordinator', token }));
    });

    it('keys do not mix: a token stored for one key is not served for another', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      await a.client.getToken({ template: 'api', organizationId: null });
      await storedToken(ns, { template: 'api', organizationId: null });
      const other = await b.client.getToken({ template: 'api' });
      expect(origin(other)).toBe('b:1');
    });

    it('a malformed stored value or a token below the cutoff is never served: the instance fetches its own', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      await admin.hset(names.token({ template: 'junk' }), { epoch: '0', jwt: 'not-a-jwt' });
      const nearlyExpired = freshJwt(60, { n: 'old' }, Date.now() - 57_000);
      await admin.hset(names.token({ template: 'old' }), { epoch: '0', jwt: nearlyExpired });
      const b = await instance('b', ns);
      expect(origin(await b.client.getToken({ template: 'junk' }))).toBe('b:1');
      expect(origin(await b.client.getToken({ template: 'old' }))).toBe('b:2');
    });

    it('a token due for refresh in Redis is taken (servable at once) but refreshed under the lock by the cold instance', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      // 60 s token issued 50 s ago: servable (10 s left) but past its refresh point (43 s).
      const due = freshJwt(60, { n: 'due' }, Date.now() - 50_000);
      await admin.hset(names.token({}), { epoch: '0', jwt: due });
      const b = await instance('b', ns);
      const token = await b.client.getToken();
      expect(origin(token)).toBe('b:1');
      expect(b.events).toContainEqual(expect.objectContaining({ type: 'token', origin: 'coordinator', token: due }));
      expect((await storedToken(ns)).token).toBe(token);
    });

    it('monotonic: an announced token staler than the cached one does not replace it', async () => {
      const ns = freshNamespace();
      const b = await instance('b', ns);
      const fresh = await b.client.getToken();
      await storedToken(ns);
      const staler = freshJwt(60, { n: 'staler' }, Date.now() - 3_000);
      await admin.publish(redisNames('', ns).channel, JSON.stringify({ type: 'token', epoch: 0, key: {}, jwt: staler }));
      await admin.ping();
      expect(b.client.peekToken()).toBe(fresh);
    });

    it('a token announced for a key this instance never used is not pushed into its cache', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      await b.client.getToken({ template: 'mine' });
      await a.client.getToken({ template: 'theirs' });
      await storedToken(ns, { template: 'theirs' });
      await b.redis.ping();
      expect(b.client.snapshot().entries.map((entry) => entry.key.template)).toEqual(['mine']);
    });
  });

  describe('one refresher per key', () => {
    it('while one instance fetches, the others wait on pub/sub and adopt its token: one request for three instances', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const gate = deferred<void>();
      const original = a.fetchToken.getMockImplementation();
      a.fetchToken.mockImplementationOnce(async (context) => {
        await gate.promise;
        return original!(context);
      });
      const b = await instance('b', ns);
      const c = await instance('c', ns);
      const bClaims = countClaims(b.redis);
      const cClaims = countClaims(c.redis);
      const first = a.client.getToken();
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const second = b.client.getToken();
      const third = c.client.getToken();
      // Both have asked Redis and found the lock held: they are now waiting.
      await vi.waitFor(() => expect(bClaims.answered + cClaims.answered).toBe(2), { interval: 5 });
      expect(await admin.get(redisNames('', ns).lock({}))).toMatch(/:1$/);
      gate.resolve();
      const tokens = await Promise.all([first, second, third]);
      expect(new Set(tokens).size).toBe(1);
      expect(a.fetchToken.mock.calls.length + b.fetchToken.mock.calls.length + c.fetchToken.mock.calls.length).toBe(1);
      // The holder released its lock.
      await vi.waitFor(async () => expect(await admin.exists(redisNames('', ns).lock({}))).toBe(0), { interval: 5 });
    });

    it('a holder whose fetch fails releases and announces the lock: a waiter takes over at once, not at lock expiry', async () => {
      const ns = freshNamespace();
      const lockTtl = 60_000;
      const a = await instance('a', ns, { coordinator: { lockTtl } });
      const gate = deferred<string>();
      a.fetchToken.mockImplementationOnce(() => gate.promise);
      const b = await instance('b', ns, { coordinator: { lockTtl, waitTimeout: 60_000 } });
      const bClaims = countClaims(b.redis);
      void a.client.getToken().catch(() => undefined);
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const waiting = b.client.getToken();
      await vi.waitFor(() => expect(bClaims.answered).toBe(1), { interval: 5 });
      gate.reject(Object.assign(new Error('token endpoint 503'), { status: 503 }));
      expect(origin(await waiting)).toBe('b:1');
    });

    it('a crashed holder’s lock simply expires: the waiter takes the lock once PX runs out and refreshes', async () => {
      const ns = freshNamespace();
      const b = await instance('b', ns, { coordinator: { waitTimeout: 5_000 } });
      await admin.set(redisNames('', ns).lock({}), 'crashed-instance:1', 'PX', 300);
      // Counted from the lock's planting: a busy machine may take a while to start the read.
      const started = performance.now();
      const token = await b.client.getToken();
      const waited = performance.now() - started;
      expect(origin(token)).toBe('b:1');
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(2_000);
    });

    it('a holder alive but slower than lockTtl keeps its lock (renewed): the waiter gets its token and fetches nothing', async () => {
      const ns = freshNamespace();
      const lockTtl = 300;
      const a = await instance('a', ns, { coordinator: { lockTtl, waitTimeout: 3_000 } });
      const gate = deferred<void>();
      const original = a.fetchToken.getMockImplementation();
      a.fetchToken.mockImplementationOnce(async (context) => {
        await gate.promise;
        return original!(context);
      });
      const b = await instance('b', ns, { coordinator: { lockTtl, waitTimeout: 3_000 } });
      const first = a.client.getToken();
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const second = b.client.getToken();
      // Three lock lifetimes: without renewal the lock would be gone and b would have taken it.
      await new Promise((resolve) => setTimeout(resolve, 3 * lockTtl));
      const lock = redisNames('', ns).lock({});
      expect(await admin.get(lock)).toMatch(/:1$/);
      expect(await admin.pttl(lock)).toBeGreaterThan(0);
      expect(b.fetchToken).not.toHaveBeenCalled();
      gate.resolve();
      expect(await second).toBe(await first);
      expect(b.fetchToken).not.toHaveBeenCalled();
      // Freed with the token, and not renewed after: the lock stays gone.
      await vi.waitFor(async () => expect(await admin.exists(lock)).toBe(0), { interval: 5 });
      await new Promise((resolve) => setTimeout(resolve, lockTtl));
      expect(await admin.exists(lock)).toBe(0);
    });

    it('renewal stops at waitTimeout from the claim: a holder whose fetch hangs blocks the others no longer than they would wait', async () => {
      const ns = freshNamespace();
      const lockTtl = 300;
      const waitTimeout = 900;
      const a = await instance('a', ns, { coordinator: { lockTtl, waitTimeout }, client: { requestTimeout: 30_000 } });
      a.fetchToken.mockImplementationOnce(() => new Promise(() => undefined));
      void a.client.getToken().catch(() => undefined);
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const claimed = performance.now();
      const lock = redisNames('', ns).lock({});
      // Renewed past lockTtl...
      await new Promise((resolve) => setTimeout(resolve, 2 * lockTtl));
      expect(await admin.exists(lock)).toBe(1);
      // ...but gone by waitTimeout (plus a timer's lateness), though a is alive and still fetching.
      await vi.waitFor(async () => expect(await admin.exists(lock)).toBe(0), { timeout: 2_000, interval: 10 });
      expect(performance.now() - claimed).toBeLessThan(waitTimeout + 400);
      const b = await instance('b', ns, { coordinator: { lockTtl, waitTimeout } });
      expect(origin(await b.client.getToken())).toBe('b:1');
    });

    it('a holder that froze (its timers stopped) does not renew: its lock expires within lockTtl', async () => {
      const ns = freshNamespace();
      const lockTtl = 300;
      const a = await instance('a', ns, { coordinator: { lockTtl, waitTimeout: 5_000, timers: manualTimers() } });
      a.fetchToken.mockImplementationOnce(() => new Promise(() => undefined));
      void a.client.getToken().catch(() => undefined);
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const lock = redisNames('', ns).lock({});
      await vi.waitFor(async () => expect(await admin.exists(lock)).toBe(0), { timeout: lockTtl + 200, interval: 10 });
    });

    it('a background refresh first waits a random moment: the instance that delivers meanwhile spares the others their Redis call', async () => {
      const ns = freshNamespace();
      // 4 s tokens: both clients reach the refresh point (2 s before exp) within two seconds.
      const client = { minValidity: 1 };
      const a = await instance('a', ns, { ttl: 4, client, coordinator: { random: () => 0 } });
      // b's pause never ends on its own (its timers do not move): only a's token can end it.
      const b = await instance('b', ns, { ttl: 4, client, coordinator: { timers: manualTimers(), random: () => 1 } });
      const first = await a.client.getToken();
      await storedToken(ns);
      expect(await b.client.getToken()).toBe(first);
      const bClaims = countClaims(b.redis);
      await vi.waitFor(() => expect(b.client.peekToken()).not.toBe(first), { timeout: 4_000, interval: 20 });
      expect(b.client.peekToken()).toBe(a.client.peekToken());
      expect(b.fetchToken).not.toHaveBeenCalled();
      expect(bClaims.answered).toBe(0);
    });

    it('a wave of many keys due at once is paced: the spread grows with the wave (0.5 ms a key), not all claims in refreshSpread', async () => {
      const ns = freshNamespace();
      const timers = manualTimers();
      const link = redisCoordinator({ redis: await redisFor(), namespace: ns, timers, refreshSpread: 10, random: () => 1 }).connect(recordingHost());
      try {
        const keys = Array.from({ length: 400 }, (_, i) => ({ template: `k${i}` }));
        const now = Date.now();
        for (const key of keys) link.publish(key, recordOf(freshJwt(600, { n: key.template }, now)));
        let started = 0;
        const acquires = keys.map((key) =>
          link.acquire(key, new AbortController().signal, { reason: 'refresh' }).then((release) => {
            started++;
            release();
          }),
        );
        // Every acquire is in its spread pause (its timer set) before the clock moves.
        await vi.waitFor(() => expect(timers.pending).toBeGreaterThanOrEqual(400), { interval: 1 });
        // With random() = 1 every key waits its whole spread: key i waits max(10, (i + 1) x 0.5) ms.
        timers.advance(10);
        const afterRefreshSpread = started;
        timers.advance(250);
        await vi.waitFor(() => expect(started).toBe(400), { interval: 5 });
        expect(afterRefreshSpread).toBeLessThanOrEqual(25);
        await Promise.all(acquires);
      } finally {
        link.close();
      }
    });

    it('a forced refresh (skipCache) is never spread: it claims at once', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const b = await instance('b', ns, { coordinator: { timers: manualTimers(), random: () => 1 } });
      const first = await a.client.getToken();
      await storedToken(ns);
      expect(await b.client.getToken()).toBe(first);
      const bClaims = countClaims(b.redis);
      const forced = await b.client.getToken({ skipCache: true });
      expect(forced).not.toBe(first);
      expect(bClaims.answered).toBeGreaterThanOrEqual(1);
    });

    it('the wait is bounded: a lock that never frees makes the waiter fetch on its own after waitTimeout', async () => {
      const ns = freshNamespace();
      await admin.set(redisNames('', ns).lock({}), 'stuck-instance:1', 'PX', 600_000);
      const timers = manualTimers();
      const b = await instance('b', ns, { coordinator: { waitTimeout: 3_000, timers } });
      const claims = countClaims(b.redis);
      const token = b.client.getToken();
      await vi.waitFor(() => expect(claims.answered).toBe(1), { interval: 5 });
      timers.advance(2_999);
      await b.redis.ping();
      expect(b.fetchToken).not.toHaveBeenCalled();
      timers.advance(1);
      expect(origin(await token)).toBe('b:1');
    });

    it('fencing: release deletes the lock only while it still holds this holder’s value', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const link = redisCoordinator({ redis: await redisFor(), namespace: ns }).connect(recordingHost());
      try {
        const release = await link.acquire({}, new AbortController().signal);
        const fence = await admin.get(names.lock({}));
        expect(fence).toMatch(/^[\w-]+:\d+$/);
        // Our lock expired and another instance took it.
        await admin.set(names.lock({}), 'next-holder:7', 'PX', 10_000);
        release();
        await admin.ping();
        await vi.waitFor(async () => expect(await admin.get(names.lock({}))).toBe('next-holder:7'), { interval: 5 });
        // The next acquire (still ours to release) does delete it.
        await admin.del(names.lock({}));
        const again = await link.acquire({}, new AbortController().signal);
        again();
        await vi.waitFor(async () => expect(await admin.exists(names.lock({}))).toBe(0), { interval: 5 });
      } finally {
        link.close();
      }
    });

    it('an attempt aborted while holding the lock (timeout, clear) releases it at once', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const link = redisCoordinator({ redis: await redisFor(), namespace: ns }).connect(recordingHost());
      try {
        const attempt = new AbortController();
        await link.acquire({}, attempt.signal);
        expect(await admin.exists(names.lock({}))).toBe(1);
        attempt.abort(new Error('attempt timed out'));
        await vi.waitFor(async () => expect(await admin.exists(names.lock({}))).toBe(0), { interval: 5 });
      } finally {
        link.close();
      }
    });
  });

  describe('sign-out and revocation (namespace epoch)', () => {
    it('clear() on one instance signs out the others', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      await a.client.getToken();
      await storedToken(ns);
      await b.client.getToken();
      a.client.clear();
      await vi.waitFor(() => expect(b.events).toContainEqual({ type: 'cleared', origin: 'remote' }), { interval: 5 });
      expect(b.events).toContainEqual({ type: 'signed-out' });
      expect(b.client.peekToken()).toBeNull();
      expect(await admin.get(redisNames('', ns).epoch)).toBe('1');
      // The one who signed out does not hear its own announcement back as a remote sign-out.
      expect(a.events).not.toContainEqual({ type: 'cleared', origin: 'remote' });
    });

    it('an instance never takes its own sign-out announcement for another one, even when it arrives before the answer', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const redis = await redisFor();
      const host = recordingHost();
      const link = redisCoordinator({ redis, namespace: ns }).connect(host);
      try {
        await vi.waitFor(async () => expect(await admin.pubsub('NUMSUB', names.channel)).toEqual([names.channel, 1]), { interval: 5 });
        // Hold back Redis's answer (at most 300 ms, or until a wrong sign-out): the announcement on
        // the channel reaches the link first.
        let answered = false;
        for (const method of ['evalsha', 'eval'] as const) {
          const original = redis[method].bind(redis) as (...args: unknown[]) => Promise<unknown>;
          (redis as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
            const reply = await original(...args);
            await vi.waitFor(() => expect(host.signOuts).toBeGreaterThan(0), { timeout: 300, interval: 5 }).catch(() => undefined);
            answered = true;
            return reply;
          };
        }
        link.invalidate();
        await vi.waitFor(() => expect(answered).toBe(true), { timeout: 2_000, interval: 5 });
        expect(await admin.get(names.epoch)).toBe('1');
        expect(host.signOuts).toBe(0);
      } finally {
        link.close();
      }
    });

    it('tokens stored before the sign-out are refused everywhere: a new instance fetches its own', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const before = await a.client.getToken();
      expect((await storedToken(ns)).epoch).toBe('0');
      a.client.clear();
      await vi.waitFor(async () => expect(await admin.get(redisNames('', ns).epoch)).toBe('1'), { interval: 5 });
      const c = await instance('c', ns);
      const after = await c.client.getToken();
      expect(after).not.toBe(before);
      expect(origin(after)).toBe('c:1');
      expect(await storedToken(ns)).toEqual(storedAs(1, after as string));
    });

    it('an instance that missed the announcement learns the sign-out from Redis, and its old-epoch token is not stored', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const host = recordingHost();
      const link = redisCoordinator({ redis: await redisFor(), namespace: ns }).connect(host);
      try {
        (await link.acquire({}, new AbortController().signal))();
        // A sign-out elsewhere whose announcement this instance never heard (e.g. Redis was away).
        await admin.incr(names.epoch);
        link.publish({}, recordOf(freshJwt(60, { n: 'old-session' })));
        await vi.waitFor(() => expect(host.signOuts).toBe(1), { interval: 5 });
        expect(await admin.exists(names.token({}))).toBe(0);
      } finally {
        link.close();
      }
    });

    it('a sign-out announced while the pub/sub connection was down is applied once it is back, without a claim', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const host = recordingHost();
      const redis = await redisFor();
      // Scripts go to the real server; the pub/sub connection is one the test drops and restores
      // (a real one resubscribes on its own, too fast to sign out in between).
      const subscriber = new EventEmitter() as EventEmitter & RedisSubscriberConnection;
      Object.assign(subscriber, {
        subscribe: async () => 1,
        unsubscribe: async () => 0,
        quit: async () => 'OK',
        disconnect: () => undefined,
      });
      const link = redisCoordinator({ redis: { eval: redis.eval.bind(redis), evalsha: redis.evalsha.bind(redis), duplicate: () => subscriber }, namespace: ns }).connect(host);
      try {
        (await link.acquire({}, new AbortController().signal))();
        subscriber.emit('close');
        // Another instance signs out meanwhile; its announcement cannot reach this one.
        await admin.incr(names.epoch);
        expect(host.signOuts).toBe(0);
        subscriber.emit('ready');
        await vi.waitFor(() => expect(host.signOuts).toBe(1), { timeout: 2_000, interval: 5 });
      } finally {
        link.close();
      }
    });

    it('Redis lost its data (restart without persistence): the epoch instances remember is restored, not reset to 0', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const a = await instance('a', ns);
      await a.client.getToken();
      a.client.clear();
      a.client.clear();
      await vi.waitFor(async () => expect(await admin.get(names.epoch)).toBe('2'), { interval: 5 });
      await admin.del(names.epoch, names.token({}));
      const token = await a.client.getToken();
      expect(await storedToken(ns)).toEqual(storedAs(2, token as string));
      expect(await admin.get(names.epoch)).toBe('2');
    });
  });

  describe('Redis down or slow: never a failed getToken()', () => {
    it('a stalled Redis (CLIENT PAUSE) costs at most the call timeout; coordinator-degraded is reported once, without the token', async () => {
      const ns = freshNamespace();
      const b = await instance('b', ns, { coordinator: { timeout: 100 } });
      // WRITE mode stalls every script (they write) but lets the admin connection unpause it.
      await admin.call('CLIENT', 'PAUSE', '3000', 'WRITE');
      const started = performance.now();
      const first = await b.client.getToken();
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(origin(first)).toBe('b:1');
      await b.client.getToken({ template: 'second' });
      const degraded = b.degraded();
      expect(degraded).toHaveLength(1);
      const error = (degraded[0] as { error: Error }).error;
      expect(error).toMatchObject({ name: 'RedisCoordinatorError', timedOut: true });
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(first);
    });

    it('after a failure it works locally for retryInterval (no Redis call at all), then tries Redis again', async () => {
      const ns = freshNamespace();
      const timers = manualTimers();
      const b = await instance('b', ns, { coordinator: { timers, retryInterval: 1_000 } });
      const claims = countClaims(b.redis);
      await server.stop();
      const first = b.client.getToken({ template: 'one' });
      // The claim is queued by ioredis while it reconnects; the coordinator's own timeout ends the wait.
      await vi.waitFor(() => expect(timers.pending).toBeGreaterThan(0), { interval: 5 });
      timers.advance(200);
      expect(origin(await first)).toBe('b:1');
      expect(b.degraded()).toHaveLength(1);
      // Resting: the next fetch does not even try Redis.
      const sentBefore = claims.sent;
      expect(origin(await b.client.getToken({ template: 'two' }))).toBe('b:2');
      expect(claims.sent).toBe(sentBefore);
      await server.start();
      await b.redis.whenReady();
      // Past the rest after the last failure: the calls queued during the outage time out too
      // (their failures land a tick later and start a new rest, which the second advance ends).
      timers.advance(5_000);
      await new Promise((resolve) => setImmediate(resolve));
      timers.advance(5_000);
      const answeredBefore = claims.answered;
      await b.client.getToken({ template: 'three' });
      expect(claims.answered).toBeGreaterThan(answeredBefore);
      await storedToken(ns, { template: 'three' });
    });

    it('Redis stopped: both instances keep answering from their own fetches; back on the same port, sharing resumes', async () => {
      const ns = freshNamespace();
      const options = { coordinator: { timeout: 100, retryInterval: 100 } };
      const a = await instance('a', ns, options);
      const b = await instance('b', ns, options);
      await a.client.getToken({ template: 'before' });
      await storedToken(ns, { template: 'before' });
      expect(origin(await b.client.getToken({ template: 'before' }))).toBe('a:1');

      await server.stop();
      const during = await Promise.allSettled([a.client.getToken({ template: 'during' }), b.client.getToken({ template: 'during' })]);
      expect(during.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(a.degraded()).toHaveLength(1);
      expect(b.degraded()).toHaveLength(1);

      await server.start();
      await Promise.all([a.redis.whenReady(), b.redis.whenReady()]);
      // Once a's rest after the outage is over, its fetches are shared again and b adopts them.
      let attempt = 0;
      await vi.waitFor(
        async () => {
          await a.client.getToken({ template: `after-${++attempt}` });
          expect(await admin.exists(redisNames('', ns).token({ template: `after-${attempt}` }))).toBe(1);
        },
        { timeout: 3_000, interval: 20 },
      );
      const bCalls = b.fetchToken.mock.calls.length;
      expect(origin(await b.client.getToken({ template: `after-${attempt}` }))).toMatch(/^a:/);
      expect(b.fetchToken.mock.calls.length).toBe(bCalls);
    });
  });

  describe('connections, keys and prefix', () => {
    it('clients sharing one ioredis client share one pub/sub connection; close() unsubscribes and quits it', async () => {
      const redis = await redisFor();
      const [nsOne, nsTwo] = [freshNamespace(), freshNamespace()];
      const [channelOne, channelTwo] = [redisNames('', nsOne).channel, redisNames('', nsTwo).channel];
      const connections = async () => ((await admin.client('LIST')) as string).trim().split('\n');
      const subscribed = async () => (await connections()).filter((line) => /\bsub=[1-9]/.test(line)).length;
      const listeners = async () => admin.pubsub('NUMSUB', channelOne, channelTwo);
      // Subscribers of earlier tests are gone (their clients were destroyed).
      await vi.waitFor(async () => expect(await subscribed()).toBe(0), { interval: 5 });
      const before = (await connections()).length;
      const one = createInstance('one', redis, nsOne);
      const two = createInstance('two', redis, nsTwo);
      await vi.waitFor(async () => expect(await listeners()).toEqual([channelOne, 1, channelTwo, 1]), { interval: 5 });
      expect(await subscribed()).toBe(1);
      expect((await connections()).length).toBe(before + 1);
      one.client.destroy();
      await vi.waitFor(async () => expect(await listeners()).toEqual([channelOne, 0, channelTwo, 1]), { interval: 5 });
      two.client.destroy();
      await vi.waitFor(async () => expect((await connections()).length).toBe(before), { interval: 5 });
      expect(await subscribed()).toBe(0);
    });

    it('every key lives under `${keyPrefix}tokenwarden:{namespace}:`, one Cluster slot per namespace', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns, { coordinator: { keyPrefix: 'myapp:' } });
      await a.client.getToken({ template: 'api', organizationId: 'org_1' });
      const name = `myapp:tokenwarden:{${ns}}:tok:{"t":"api","o":"org_1"}`;
      await vi.waitFor(async () => expect(await admin.exists(name)).toBe(1), { interval: 5 });
      expect(await admin.keys(`tokenwarden:{${ns}}*`)).toEqual([]);
      a.client.clear();
      await vi.waitFor(async () => expect(await admin.get(`myapp:tokenwarden:{${ns}}:epoch`)).toBe('1'), { interval: 5 });
    });

    it('computes the same script SHA-1 as Redis', async () => {
      for (const script of [CLAIM, PUBLISH, RELEASE, INVALIDATE])
        expect(await scriptSha(script.source)).toBe(await admin.script('LOAD', script.source));
    });

    it('runs its scripts by SHA after the first call (EVALSHA, NOSCRIPT falls back to EVAL)', async () => {
      const ns = freshNamespace();
      const redis = await redisFor();
      const evals = vi.spyOn(redis, 'eval');
      const a = createInstance('a', redis, ns);
      instances.push(a);
      // Each script's text goes to Redis once (the epoch read that follows the subscription may come
      // at any point here, but also only once); after that only SHAs, until Redis forgets them.
      const texts = () => evals.mock.calls.map((call) => call[0]);
      await a.client.getToken({ template: 'one' });
      await storedToken(ns, { template: 'one' });
      await a.client.getToken({ template: 'two' });
      await storedToken(ns, { template: 'two' });
      expect(texts().length).toBeGreaterThan(0);
      expect(new Set(texts()).size).toBe(texts().length);
      await admin.script('FLUSH');
      await a.client.getToken({ template: 'three' });
      await storedToken(ns, { template: 'three' });
      expect(new Set(texts()).size).toBeLessThan(texts().length);
    });
  });

  describe('no raw token leaves through errors', () => {
    it('a failing publish reports the failure without the JWT in the error', async () => {
      const ns = freshNamespace();
      const host = recordingHost();
      const redis = await redisFor();
      const link = redisCoordinator({ redis, namespace: ns }).connect(host);
      try {
        (await link.acquire({}, new AbortController().signal))();
        const token = makeJwt({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 60, secret: 'do-not-log' });
        vi.spyOn(redis, 'evalsha').mockRejectedValue(Object.assign(new Error('ERR boom'), { command: { name: 'evalsha', args: [token] } }));
        vi.spyOn(redis, 'eval').mockRejectedValue(Object.assign(new Error('ERR boom'), { command: { name: 'eval', args: [token] } }));
        link.publish({}, recordOf(token));
        await vi.waitFor(() => expect(host.events).toHaveLength(1), { interval: 5 });
        const error = (host.events[0] as { error: Error & { cause?: unknown } }).error;
        expect(error.message).toContain('ERR boom');
        expect(error.cause).toBeUndefined();
        expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(token);
      } finally {
        link.close();
      }
    });
  });
});
