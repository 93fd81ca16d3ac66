import { Cluster, type ClusterOptions, Redis } from 'ioredis';
import { createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { type Instance, countClaims, createInstance, origin } from '../../../test/redis/instances';
import { nodeRedisClient } from './nodeRedisClient';
import type { RedisClient } from './redisClient';
import { type RedisCluster, startRedisCluster } from '../../../test/redis/redisCluster';
import { redisNames } from './redisNames';

// The coordinator on a real Redis Cluster (6 redis-server processes: 3 masters, 1 replica each)
// through an ioredis `Cluster` and a node-redis `createCluster`. The namespace hash tag keeps a namespace's keys in one slot, so its
// scripts run there; announcements use classic pub/sub, which the cluster bus carries to every node.

let cluster: RedisCluster;
let admin: Cluster;
const closers: (() => void)[] = [];
const instances: Instance<RedisClient>[] = [];
let namespaceSerial = 0;

interface ClusterDriver {
  name: string;
  connect(): Promise<RedisClient>;
  pubsub: 'classic' | 'sharded';
}

async function nodeRedisCluster(): Promise<RedisClient> {
  const client = createCluster({
    rootNodes: cluster.startupNodes.map(({ host, port }) => ({ socket: { host, port } })),
    defaults: { socket: { reconnectStrategy: () => 100 } },
  });
  client.on('error', () => undefined);
  await client.connect();
  closers.push(() => client.destroy());
  return nodeRedisClient(client);
}

async function ioredisCluster(options: ClusterOptions = {}): Promise<RedisClient> {
  const client = connectCluster(options);
  closers.push(() => client.disconnect());
  if (client.status !== 'ready') await new Promise<void>((resolve) => client.once('ready', () => resolve()));
  return client;
}

const DRIVERS: ClusterDriver[] = [
  { name: 'ioredis Cluster, classic pub/sub', connect: () => ioredisCluster(), pubsub: 'classic' },
  { name: 'node-redis createCluster, classic pub/sub', connect: nodeRedisCluster, pubsub: 'classic' },
  { name: 'ioredis Cluster, sharded pub/sub', connect: () => ioredisCluster({ shardedSubscribers: true }), pubsub: 'sharded' },
  { name: 'node-redis createCluster, sharded pub/sub', connect: nodeRedisCluster, pubsub: 'sharded' },
];
let driver: ClusterDriver;

function connectCluster(options: ClusterOptions = {}): Cluster {
  const client = new Cluster(cluster.startupNodes, {
    ...options,
    // Back quickly after a failover: ask the cluster for its new layout every 100 ms.
    clusterRetryStrategy: () => 100,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
  });
  client.on('error', () => undefined);
  return client;
}

beforeAll(async () => {
  cluster = await startRedisCluster();
  admin = connectCluster();
}, 60_000);

afterEach(() => {
  for (const instance of instances.splice(0)) instance.client.destroy();
  for (const close of closers.splice(0)) close();
});

afterAll(async () => {
  admin?.disconnect();
  await cluster?.dispose();
});

/**
 * Resolves once `listener` hears `speaker`'s announcements (its pub/sub subscription is confirmed
 * somewhere in the cluster): a forced refresh by the speaker reaches the listener's cache.
 */
async function hears(speaker: Instance<RedisClient>, listener: Instance<RedisClient>): Promise<void> {
  await listener.client.getToken({ template: 'probe' });
  await vi.waitFor(
    async () => {
      // The speaker's own token: its first forced read may adopt the listener's stored one, which
      // the listener holds already (that would prove nothing about the subscription).
      const token = await speaker.client.getToken({ template: 'probe', skipCache: true });
      expect(origin(token)).toMatch(new RegExp(`^${speaker.name}:`));
      // Its announcement travels after the read resolved; a token no fresher than the listener's
      // (minted in the same second) is not news to it, hence the next try.
      await vi.waitFor(() => expect(listener.client.peekToken({ template: 'probe' })).toBe(token), { timeout: 1_500, interval: 10 });
    },
    { timeout: 10_000, interval: 50 },
  );
}

function freshNamespace(): string {
  return `cluster-${++namespaceSerial}`;
}

/**
 * The same client, except that its pub/sub connection sends SUBSCRIBE / SSUBSCRIBE only once `gate`
 * opens: a subscription confirmed late, as when a node or a busy client answers slowly.
 */
function subscribingAfter(redis: RedisClient, gate: Promise<void>): RedisClient {
  return {
    eval: (...args) => redis.eval(...args),
    evalsha: (...args) => redis.evalsha(...args),
    duplicate() {
      const connection = redis.duplicate();
      return new Proxy(connection, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property);
          if (typeof value !== 'function') return value;
          if (property === 'subscribe' || property === 'ssubscribe') {
            return (...channels: string[]) => gate.then(() => (value as (...names: string[]) => Promise<unknown>).apply(target, channels));
          }
          return (value as (...args: unknown[]) => unknown).bind(target);
        },
      });
    },
  };
}

/**
 * Listens to `channel` on every node that can deliver it (every node for classic pub/sub, the
 * slot's master and replica for sharded): `heardEverywhere(match)` resolves once each of them
 * delivered a message containing `match`, so no subscriber anywhere in the cluster can still get it.
 */
async function listenEverywhere(channel: string, sharded: boolean): Promise<{ heardEverywhere(match: string): Promise<void> }> {
  const heard: string[][] = [];
  for (const node of cluster.nodes) {
    if (!node.running) continue;
    const connection = new Redis({ host: '127.0.0.1', port: node.port, lazyConnect: true });
    connection.on('error', () => undefined);
    closers.push(() => connection.disconnect());
    await connection.connect();
    try {
      if (sharded) {
        // A replica delivers its shard's messages to readers; other shards' nodes answer MOVED.
        await connection.readonly();
        await connection.ssubscribe(channel);
      } else {
        await connection.subscribe(channel);
      }
    } catch {
      connection.disconnect();
      continue;
    }
    const messages: string[] = [];
    connection.on(sharded ? 'smessage' : 'message', (_channel: string, message: string) => messages.push(message));
    heard.push(messages);
  }
  expect(heard.length).toBeGreaterThan(0);
  return {
    heardEverywhere: (match) =>
      vi.waitFor(() => expect(heard.every((messages) => messages.some((message) => message.includes(match)))).toBe(true), { timeout: 5_000, interval: 5 }),
  };
}

async function instance(
  name: string,
  namespace: string,
  options: Parameters<typeof createInstance>[3] = {},
  wrap: (redis: RedisClient) => RedisClient = (redis) => redis,
): Promise<Instance<RedisClient>> {
  const client = wrap(await driver.connect());
  // A generous per-call timeout: 6 redis-servers and the test share two busy cores here. The
  // failover test sets its own.
  const created = createInstance(name, client, namespace, { ...options, coordinator: { timeout: 1_000, pubsub: driver.pubsub, ...options.coordinator } });
  instances.push(created);
  return created;
}

describe.each(DRIVERS)('with $name', (current) => {
  beforeAll(() => {
    driver = current;
  });

  describe('redisCoordinator on a Redis Cluster', () => {
    it('shares a token across instances, with every key of the namespace in one slot', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      const token = await a.client.getToken({ template: 'api' });
      await vi.waitFor(async () => expect(await admin.exists(names.token({ template: 'api' }))).toBe(1), { interval: 5 });
      expect(await b.client.getToken({ template: 'api' })).toBe(token);
      expect(b.fetchToken).not.toHaveBeenCalled();
      const slots = await Promise.all([names.token({ template: 'api' }), names.lock({}), names.epoch].map((key) => admin.cluster('KEYSLOT', key)));
      expect(new Set(slots).size).toBe(1);
    });

    it('one refresher per key: the others wait for its announcement across the cluster bus', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const original = a.fetchToken.getMockImplementation();
      a.fetchToken.mockImplementationOnce(async (context) => {
        await gate;
        return original!(context);
      });
      const b = await instance('b', ns, { coordinator: { lockTtl: 60_000, waitTimeout: 60_000 } });
      const c = await instance('c', ns, { coordinator: { lockTtl: 60_000, waitTimeout: 60_000 } });
      // Their first claims (which also load the scripts on the slot's master) and subscriptions.
      await Promise.all([b.client.getToken({ template: 'warm-b' }), c.client.getToken({ template: 'warm-c' })]);
      const bClaims = countClaims(b.redis);
      const cClaims = countClaims(c.redis);
      const first = a.client.getToken();
      await vi.waitFor(() => expect(a.fetchToken).toHaveBeenCalledTimes(1), { interval: 5 });
      const waiting = [b.client.getToken(), c.client.getToken()];
      await vi.waitFor(() => expect(bClaims.answered + cClaims.answered).toBe(2), { interval: 5 });
      release();
      const tokens = await Promise.all([first, ...waiting]);
      expect(new Set(tokens).size).toBe(1);
      expect(origin(tokens[0] as string)).toBe('a:1');
    });

    it('clear() on one instance signs out the others', async () => {
      const ns = freshNamespace();
      const a = await instance('a', ns);
      const b = await instance('b', ns);
      await a.client.getToken();
      await b.client.getToken();
      await hears(a, b);
      a.client.clear();
      // By the announcement alone: b reads nothing (a cached key would not ask Redis before its refresh).
      await vi.waitFor(() => expect(b.events).toContainEqual({ type: 'cleared', origin: 'remote' }), { timeout: 5_000, interval: 5 });
      expect(b.client.peekToken()).toBeNull();
    });

    it('a sign-out announced before the other instance subscribed still reaches it, once it does', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      let open!: () => void;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      const a = await instance('a', ns);
      const b = await instance('b', ns, {}, (redis) => subscribingAfter(redis, gate));
      await a.client.getToken();
      // b's claim finds a's token: b now serves it and knows the namespace's epoch, but hears nothing yet.
      expect(origin(await b.client.getToken())).toBe('a:1');
      const everywhere = await listenEverywhere(names.channel, driver.pubsub === 'sharded');
      a.client.clear();
      // Delivered by every node that could deliver it: b's subscription, wherever it lands, comes too late.
      await everywhere.heardEverywhere('"type":"epoch"');
      expect(b.client.peekToken()).not.toBeNull();
      // b's subscription is confirmed after the announcement went out: b must still sign out,
      // without reading anything (its cached key would not ask Redis before its refresh).
      open();
      await vi.waitFor(() => expect(b.events).toContainEqual({ type: 'cleared', origin: 'remote' }), { timeout: 5_000, interval: 5 });
      expect(b.client.peekToken()).toBeNull();
    });

    it('the master of the namespace slot dies: no getToken() fails, and sharing resumes on the promoted replica', async () => {
      const ns = freshNamespace();
      const names = redisNames('', ns);
      const a = await instance('a', ns, { coordinator: { timeout: 200, retryInterval: 200 } });
      const b = await instance('b', ns, { coordinator: { timeout: 200, retryInterval: 200 } });
      await a.client.getToken({ template: 'before' });
      await vi.waitFor(async () => expect(await admin.exists(names.token({ template: 'before' }))).toBe(1), { interval: 5 });
      expect(origin(await b.client.getToken({ template: 'before' }))).toBe('a:1');

      const master = await cluster.masterOf(names.epoch);
      await cluster.kill(master);
      onTestFinished(() => cluster.revive(master));
      // During the failover every read is still answered (each Redis step is bounded by `timeout`).
      const during = await Promise.allSettled([a.client.getToken({ template: 'during' }), b.client.getToken({ template: 'during' })]);
      expect(during.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled']);
      await cluster.waitHealthy(names.epoch);

      let attempt = 0;
      await vi.waitFor(
        async () => {
          await a.client.getToken({ template: `after-${++attempt}` });
          expect(await admin.exists(names.token({ template: `after-${attempt}` }))).toBe(1);
        },
        { timeout: 15_000, interval: 50 },
      );
      const calls = b.fetchToken.mock.calls.length;
      expect(origin(await b.client.getToken({ template: `after-${attempt}` }))).toMatch(/^a:/);
      expect(b.fetchToken.mock.calls.length).toBe(calls);
    }, 60_000);
  });
});
