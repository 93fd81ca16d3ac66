import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis } from '../../../test/redis/instances';
import { type RedisServer, startRedisServer } from '../../../test/redis/redisServer';
import { redisRefreshTokenStore } from './redisRefreshTokenStore';

/** The store against a real redis-server: each holder has its own connection, like a process. */
describe('redisRefreshTokenStore', () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  const connect = async () => {
    const redis = await connectRedis(server.port);
    connections.push(redis);
    return redis;
  };
  let keyCount = 0;
  const freshKey = () => `rt:test:${++keyCount}`;
  const never = new AbortController().signal;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await server.dispose();
  });

  it('rotations of holders on different connections never overlap and each reads the last write', async () => {
    const key = freshKey();
    const holders = await Promise.all(Array.from({ length: 4 }, async () => redisRefreshTokenStore({ redis: await connect(), key, retryInterval: 5 })));
    await holders[0]!.set('rt-0');
    const sent: string[] = [];
    let inside = 0;
    let overlap = 0;
    await Promise.all(
      holders.flatMap((store) =>
        Array.from({ length: 5 }, () =>
          store.lock!(async () => {
            inside++;
            if (inside > 1) overlap++;
            const current = (await store.get())!;
            sent.push(current);
            await new Promise((resolve) => setTimeout(resolve, 2));
            await store.set(`rt-${Number(current.slice(3)) + 1}`);
            inside--;
          }, never),
        ),
      ),
    );
    expect(overlap).toBe(0);
    // Twenty rotations, each sending a different token: none was sent twice.
    expect(new Set(sent).size).toBe(20);
    expect(await holders[3]!.get()).toBe('rt-20');
  });

  it('a holder whose lock expired cannot overwrite the rotation that took over', async () => {
    const key = freshKey();
    const slow = redisRefreshTokenStore({ redis: await connect(), key, lockTtl: 30, retryInterval: 5 });
    const fast = redisRefreshTokenStore({ redis: await connect(), key, lockTtl: 5_000, retryInterval: 5 });
    await fast.set('rt-a');
    let release!: () => void;
    const stalled = slow.lock!(async () => {
      await slow.get();
      await new Promise<void>((resolve) => (release = resolve));
      await slow.set('rt-from-stale-holder');
    }, never);
    await new Promise((resolve) => setTimeout(resolve, 60));
    await fast.lock!(async () => {
      expect(await fast.get()).toBe('rt-a');
      await fast.set('rt-b');
    }, never);
    release();
    await expect(stalled).rejects.toThrow(/expired or the token changed/);
    expect(await fast.get()).toBe('rt-b');
  });

  it('a waiting holder gives up when its signal aborts, and its error names no token', async () => {
    const key = freshKey();
    const a = redisRefreshTokenStore({ redis: await connect(), key, retryInterval: 5 });
    const b = redisRefreshTokenStore({ redis: await connect(), key, retryInterval: 5 });
    await a.set('rt-secret-value');
    let release!: () => void;
    const holding = a.lock!(() => new Promise<void>((resolve) => (release = resolve)), never);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const controller = new AbortController();
    const waiting = b.lock!(async () => 'ran', controller.signal);
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    release();
    await holding;
    // The lock is free again.
    await expect(b.lock!(async () => 'ran', never)).resolves.toBe('ran');
  });

  it('set(null) outside a rotation clears the token; get() then reads null', async () => {
    const store = redisRefreshTokenStore({ redis: await connect(), key: freshKey() });
    await store.set('rt-x');
    await store.set(null);
    expect(await store.get()).toBeNull();
  });
});
