import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freshJwt, makeJwt } from '../../../test/helpers';
import { DRIVERS, type Driver, type TestRedis } from '../../../test/redis/drivers';
import { type Instance, connectRedis, countClaims, createInstance, origin, ready } from '../../../test/redis/instances';
import { type RedisServer, startRedisServer } from '../../../test/redis/redisServer';
import { redisNames } from './redisNames';

// Broken Redis state and the races of a failover, against a real redis-server. What every test
// holds: getToken() never fails, never sits out a lock nobody will release, and never serves a
// token that the client would not take from its own fetch. Waits that would be the bug are set far
// beyond the test timeout (lockTtl / waitTimeout 60 s): a test that waits for them times out.

const NEVER = 60_000;

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
});

afterAll(async () => {
  admin?.disconnect();
  await server?.dispose();
});

function freshNamespace(): string {
  return `broken-${++namespaceSerial}`;
}

async function instance(name: string, namespace: string, options: Parameters<typeof createInstance>[3] = {}): Promise<Instance<TestRedis>> {
  const redis = await driver.connect(server.port);
  opened.push(redis);
  const created = createInstance(name, redis, namespace, {
    ...options,
    coordinator: { lockTtl: NEVER, waitTimeout: NEVER, ...options.coordinator },
  });
  instances.push(created);
  return created;
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

/** Waits until `instance` has subscribed to its namespace channel (so announcements reach it). */
async function subscribed(namespace: string, count = 1): Promise<void> {
  const channel = redisNames('', namespace).channel;
  await vi.waitFor(async () => expect(await admin.pubsub('NUMSUB', channel)).toEqual([channel, count]), { interval: 5 });
}

describe.each(DRIVERS)('with $name', (current) => {
  beforeAll(() => {
    driver = current;
  });

  describe('a lock nobody will release is never waited on', () => {
    it.each([
      ['without a TTL', (lock: string) => admin.set(lock, 'gone-instance:1')],
      ['of the wrong type (a hash)', (lock: string) => admin.hset(lock, { holder: 'x' })],
      ['of the wrong type (a list)', (lock: string) => admin.rpush(lock, 'x')],
      ['holding no fence (a foreign value with a TTL)', (lock: string) => admin.set(lock, 'not a fence', 'PX', NEVER)],
    ])('a lock key %s is dropped by the first claim, which takes the lock and fetches at once', async (_, plant) => {
      const ns = freshNamespace();
      const lock = redisNames('', ns).lock({});
      await plant(lock);
      const b = await instance('b', ns);
      const claims = countClaims(b.redis);
      expect(origin(await b.client.getToken())).toBe('b:1');
      expect(claims.answered).toBe(1);
      expect(b.degraded()).toEqual([]);
      // Freed with the publish like any lock of ours.
      await vi.waitFor(async () => expect(await admin.exists(lock)).toBe(0), { interval: 5 });
    });

    it('a lock living longer than lockTtl (a misconfigured or planted PX) is cut to lockTtl', async () => {
      const ns = freshNamespace();
      const lock = redisNames('', ns).lock({});
      await admin.set(lock, 'other-instance:4', 'PX', 3_600_000);
      const b = await instance('b', ns, { coordinator: { lockTtl: 200, waitTimeout: 5_000 } });
      expect(origin(await b.client.getToken())).toBe('b:1');
    });
  });

  describe('a lock renewed while its holder works', () => {
    it.each([
      ['taken by another instance (its fence)', (lock: string) => admin.set(lock, 'other-instance:9', 'PX', NEVER)],
      ['replaced by a hash', async (lock: string) => {
        await admin.del(lock);
        await admin.hset(lock, { holder: 'x' });
      }],
    ])('a lock %s meanwhile is left alone: the renewal fails nothing and stops, the token is still shared', async (_, replace) => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const lock = names.lock({});
      const a = await instance('a', ns, { coordinator: { lockTtl: 300, waitTimeout: 3_000 } });
      const gate = deferred<void>();
      const original = a.fetchToken.getMockImplementation();
      a.fetchToken.mockImplementationOnce(async (context) => {
        await gate.promise;
        return original!(context);
      });
      const first = a.client.getToken();
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      await replace(lock);
      const planted = await admin.dump(lock);
      // Several renewal steps (every 100 ms): none may touch the foreign lock.
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await admin.dump(lock)).toEqual(planted);
      // Its own expiry untouched: none for the hash, about NEVER for the other instance's lock.
      const ttl = await admin.pttl(lock);
      if ((await admin.type(lock)) === 'hash') expect(ttl).toBe(-1);
      else expect(ttl).toBeGreaterThan(NEVER - 5_000);
      gate.resolve();
      const token = await first;
      await vi.waitFor(async () => expect(await admin.hget(names.token({}), 'token')).toBe(token), { interval: 5 });
      expect(a.degraded()).toEqual([]);
    });
  });

  describe('keys of the wrong type or with foreign values never fail a call', () => {
    it.each([
      ['the token key is a string', (names: ReturnType<typeof redisNames>) => admin.set(names.token({}), 'hello')],
      ['the token key is a list', (names: ReturnType<typeof redisNames>) => admin.rpush(names.token({}), 'a', 'b')],
      ['the epoch is a hash', (names: ReturnType<typeof redisNames>) => admin.hset(names.epoch, { n: 1 })],
      ['the epoch is not a number', (names: ReturnType<typeof redisNames>) => admin.set(names.epoch, 'seven')],
      ['the epoch is negative', (names: ReturnType<typeof redisNames>) => admin.set(names.epoch, '-3')],
    ])('%s: no coordinator-degraded, the token is fetched, stored and shared', async (_, plant) => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      await plant(names);
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      const token = await a.client.getToken();
      await vi.waitFor(async () => expect(await admin.type(names.token({}))).toBe('hash'), { interval: 5 });
      expect(await b.client.getToken()).toBe(token);
      expect(b.fetchToken).not.toHaveBeenCalled();
      expect([...a.degraded(), ...b.degraded()]).toEqual([]);
      // Sign-outs still work on a repaired epoch (once b listens: a missed announcement is only
      // learned at b's next claim).
      await subscribed(ns, 2);
      a.client.clear();
      await vi.waitFor(() => expect(b.events).toContainEqual({ type: 'cleared', origin: 'remote' }), { interval: 5 });
    });
  });

  describe('a stored or announced value is served only if the client would take it from its own fetch', () => {
    const now = () => Date.now();
    it.each([
      ['JWT-shaped but undecodable', () => ({ token: 'eyJhbGciOiJub25lIn0.!!!.', exp: now() + NEVER })],
      ['a JWT below the cutoff whose stored expiry claims more life', () => ({ token: freshJwt(60, { n: 'old' }, now() - 57_000), exp: now() + NEVER })],
      ['a JWT already expired', () => ({ token: freshJwt(60, { n: 'dead' }, now() - 120_000), exp: now() + NEVER })],
      ['an opaque token without an expiry', () => ({ token: 'opaque-without-timing', exp: '' })],
      ['an opaque token past its expiry', () => ({ token: 'opaque-expired', exp: now() - 1_000 })],
    ])('stored: %s — the instance fetches its own', async (_, value) => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const { token, exp } = value();
      await admin.hset(names.token({}), { epoch: '0', token, exp: String(exp), iat: '' });
      const b = await instance('b', ns);
      const served = await b.client.getToken();
      expect(served).not.toBe(token);
      expect(origin(served)).toBe('b:1');
    });

    it('announced: junk, a token below the cutoff, and a token of an old epoch are not adopted by a waiting instance', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const a = await instance('a', ns);
      const gate = deferred<string>();
      a.fetchToken.mockImplementationOnce(() => gate.promise);
      const b = await instance('b', ns);
      await subscribed(ns, 2);
      const bClaims = countClaims(b.redis);
      const holder = a.client.getToken();
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const waiting = b.client.getToken();
      await vi.waitFor(() => expect(bClaims.answered).toBe(1), { interval: 5 });
      const send = (message: unknown) => admin.publish(names.channel, JSON.stringify(message));
      await send({ v: 2, type: 'token', epoch: 0, key: {}, token: 'eyJ.broken.', expiresAt: Date.now() + NEVER });
      await send({ v: 2, type: 'token', epoch: 0, key: {}, token: freshJwt(60, { n: 'due' }, Date.now() - 57_000), expiresAt: Date.now() + NEVER });
      await send({ type: 'token', epoch: 0, key: {}, jwt: makeJwt({ iat: 1, exp: 2, n: 'ancient' }) });
      await b.redis.ping();
      gate.resolve(freshJwt(60, { n: 'a:real' }));
      const [fromA, fromB] = await Promise.all([holder, waiting]);
      expect(origin(fromA)).toBe('a:real');
      expect(fromB).toBe(fromA);
    });
  });

  describe('Redis slow on the writes nobody waits for (a busy refresh wave)', () => {
    it.each([
      ['store-and-announce', (b: Instance<TestRedis>) => b.fetchToken],
      ['release after a failed fetch', (b: Instance<TestRedis>) => b.fetchToken.mockRejectedValueOnce(Object.assign(new Error('down'), { status: 400 }))],
    ])('a %s that times out does not make the link rest: the next key still takes the fleet token', async (_, prepare) => {
      const ns = freshNamespace();
      // Resting would last the whole test: the next read would fetch on its own.
      const b = await instance('b', ns, { coordinator: { timeout: 50, retryInterval: NEVER } });
      const c = await instance('c', ns);
      await b.client.getToken({ template: 'warm' });
      prepare(b);
      // Every script after the claim answers later than the timeout (it still runs). A script's
      // first run on a connection is an EVAL, later ones EVALSHA.
      let scripts = 0;
      const spies = (['evalsha', 'eval'] as const).map((method) => {
        const original = b.redis[method].bind(b.redis) as (...args: unknown[]) => Promise<unknown>;
        return vi.spyOn(b.redis, method).mockImplementation((async (...args: unknown[]) => {
          if (++scripts > 1) await new Promise((resolve) => setTimeout(resolve, 150));
          return original(...args);
        }) as never);
      });
      await b.client.getToken({ template: 'slow' }).catch(() => undefined);
      await vi.waitFor(() => expect(b.degraded().length).toBe(1), { interval: 5 });
      for (const spy of spies) spy.mockRestore();
      expect(origin(await c.client.getToken({ template: 'shared' }))).toBe('c:1');
      expect(origin(await b.client.getToken({ template: 'shared' }))).toBe('c:1');
    });
  });

  describe('Redis dies while another instance holds the lock', () => {
    it('the waiter stops waiting when its connection drops and fetches on its own, long before the lock would expire', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      a.fetchToken.mockImplementationOnce(() => new Promise<string>(() => undefined));
      const b = await instance('b', ns, { coordinator: { timeout: 100 } });
      await subscribed(ns, 2);
      const bClaims = countClaims(b.redis);
      void a.client.getToken().catch(() => undefined);
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const waiting = b.client.getToken();
      await vi.waitFor(() => expect(bClaims.answered).toBe(1), { interval: 5 });
      await server.stop();
      expect(origin(await waiting)).toBe('b:1');
      expect(b.degraded().length).toBeGreaterThan(0);
    });
  });

  describe('failover and start-up races', () => {
    it('a claim abandoned after its timeout does not fall back to EVAL on NOSCRIPT (a promoted replica has no scripts)', async () => {
      const ns = freshNamespace();
      const b = await instance('b', ns, { coordinator: { timeout: 50, retryInterval: 0 } });
      await b.client.getToken({ template: 'warm' });
      // The next EVALSHA answers late, with NOSCRIPT, as on a replica promoted while it travelled.
      const evals = vi.spyOn(b.redis, 'eval');
      const late = deferred<void>();
      vi.spyOn(b.redis, 'evalsha').mockImplementationOnce((async () => {
        await late.promise;
        throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      }) as never);
      await admin.script('FLUSH');
      expect(origin(await b.client.getToken({ template: 'cold' }))).toBe('b:2');
      await vi.waitFor(async () => expect(await admin.exists(redisNames('', ns).token({ template: 'cold' }))).toBe(1), { interval: 5 });
      const evalsBefore = evals.mock.calls.length;
      late.resolve();
      await b.redis.ping();
      await new Promise((resolve) => setImmediate(resolve));
      expect(evals.mock.calls.length).toBe(evalsBefore);
      expect(await admin.exists(redisNames('', ns).lock({ template: 'cold' }))).toBe(0);
    });

    it('a claim answered after its timeout that took the lock is released behind that answer, and the waiters hear it', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const b = await instance('b', ns, { coordinator: { timeout: 50, retryInterval: 0 } });
      await b.client.getToken({ template: 'warm' });
      // The claim is held back (a queue during a reconnect) and runs after b gave up on it.
      const held = deferred<void>();
      const evalsha = b.redis.evalsha.bind(b.redis) as (...args: unknown[]) => Promise<unknown>;
      vi.spyOn(b.redis, 'evalsha').mockImplementationOnce((async (...args: unknown[]) => {
        await held.promise;
        return evalsha(...args);
      }) as never);
      const c = await instance('c', ns);
      await subscribed(ns, 2);
      expect(origin(await b.client.getToken({ template: 'late' }))).toBe('b:2');
      // Let the late claim run now: the key is stored, so it finds nothing to lock... unless the
      // token is gone (as on a failover that lost it): make it so, then it takes the lock.
      await vi.waitFor(async () => expect(await admin.exists(names.token({ template: 'late' }))).toBe(1), { interval: 5 });
      await admin.del(names.token({ template: 'late' }));
      held.resolve();
      await vi.waitFor(async () => expect(await admin.exists(names.lock({ template: 'late' }))).toBe(0), { interval: 5 });
      // c is not left waiting for that lock.
      expect(origin(await c.client.getToken({ template: 'late' }))).toBe('c:1');
    });

    it('at start, before its subscription is confirmed, a waiter polls Redis instead of sleeping until the lock expires', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const gate = deferred<string>();
      a.fetchToken.mockImplementationOnce(() => gate.promise);
      // b's pub/sub connection confirms its SUBSCRIBE only after a's token was announced.
      const bRedis = await driver.connect(server.port);
      opened.push(bRedis);
      const subscribeGate = deferred<void>();
      const duplicate = bRedis.duplicate.bind(bRedis);
      vi.spyOn(bRedis, 'duplicate').mockImplementation((() => {
        const connection = duplicate();
        const subscribe = connection.subscribe.bind(connection) as (...channels: string[]) => Promise<unknown>;
        (connection as unknown as { subscribe: unknown }).subscribe = async (...channels: string[]) => {
          await subscribeGate.promise;
          return subscribe(...channels);
        };
        return connection;
      }) as never);
      const holder = a.client.getToken();
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const b = createInstance('b', bRedis, ns, { coordinator: { lockTtl: NEVER, waitTimeout: NEVER } });
      instances.push(b);
      const bClaims = countClaims(bRedis);
      const waiting = b.client.getToken();
      await vi.waitFor(() => expect(bClaims.answered).toBeGreaterThan(0), { interval: 5 });
      gate.resolve(freshJwt(60, { n: 'a:1' }));
      const token = await holder;
      expect(await waiting).toBe(token);
      expect(b.fetchToken).not.toHaveBeenCalled();
      subscribeGate.resolve();
    });
  });
});
