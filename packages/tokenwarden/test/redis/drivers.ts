import { createClient } from 'redis';
import { nodeRedisClient } from '../../src/sync/redis/nodeRedisClient';
import type { RedisClient } from '../../src/sync/redis/redisClient';
import { connectRedis } from './instances';

/**
 * A connection to the test redis-server as the coordinator takes it, plus what the tests need
 * around it. The coordinator suites run once per Node client, on the same real server.
 */
export type TestRedis = RedisClient & {
  /** One round trip on this connection (everything sent before it has been answered). */
  ping(): Promise<unknown>;
  disconnect(): void;
  /** Resolves once the connection is usable again after its server came back. */
  whenReady(): Promise<void>;
};

export interface Driver {
  readonly name: string;
  connect(port: number): Promise<TestRedis>;
}

export const ioredisDriver: Driver = {
  name: 'ioredis',
  async connect(port) {
    const redis = await connectRedis(port);
    return Object.assign(redis, {
      whenReady: () => (redis.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => redis.once('ready', () => resolve()))),
    });
  },
};

export const nodeRedisDriver: Driver = {
  name: 'node-redis',
  async connect(port) {
    const client = createClient({ socket: { host: '127.0.0.1', port, reconnectStrategy: () => 50 } });
    // Failures are what several tests provoke; they are asserted through the coordinator's events.
    client.on('error', () => undefined);
    await client.connect();
    // The adapter `redisCoordinator` applies by itself, made here so the tests can watch its calls.
    return Object.assign(nodeRedisClient(client), {
      ping: () => client.ping(),
      disconnect: () => client.destroy(),
      whenReady: () => (client.isReady ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()))),
    });
  },
};

export const DRIVERS: Driver[] = [ioredisDriver, nodeRedisDriver];
