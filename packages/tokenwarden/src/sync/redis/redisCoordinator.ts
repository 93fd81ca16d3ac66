import { systemTimers } from '../../timers';
import { defaultRefreshMargin } from '../../timing';
import type { Coordinator, TimerProvider } from '../../types';
import { type NodeRedisLike, isNodeRedis, isScriptClient, nodeRedisClient } from './nodeRedisClient';
import type { RedisClient } from './redisClient';
import { RedisLink } from './redisLink';
import { redisNames } from './redisNames';

/** Longest a single Redis call may take before the client goes on without it, ms. */
export const DEFAULT_REDIS_TIMEOUT = 200;
/** How long a refresh lock lives if its holder never releases it (crash), ms. */
export const DEFAULT_LOCK_TTL = 5_000;
/** Longest an instance waits for another's token before fetching itself, ms. */
export const DEFAULT_REDIS_WAIT_TIMEOUT = 8_000;
/** After a Redis failure, how long to work locally before trying Redis again, ms. */
export const DEFAULT_RETRY_INTERVAL = 1_000;
/** Longest random pause before a background refresh claims its key, ms. */
export const DEFAULT_REFRESH_SPREAD = 500;

/** Options of {@link redisCoordinator}; `redis` is required. */
export interface RedisCoordinatorOptions {
  /**
   * Your Redis client, shared with the rest of your app: ioredis (`new Redis(url)`, `new Cluster(nodes)`)
   * or node-redis v5+ (`createClient()`, `createCluster()`). The coordinator runs Lua scripts on it
   * and opens one more connection (`duplicate()`) per client for pub/sub. On a Redis Cluster every
   * key of a namespace shares one hash slot (the namespace is the hash tag `{namespace}`).
   * Redis sees the tokens: trust it like the token endpoint (ACLs, TLS, no public exposure).
   */
  redis: RedisClient | NodeRedisLike;
  /**
   * Which clients share tokens: every instance with the same namespace (and key prefix). One
   * namespace per session that several instances act for — e.g. `tenant:${tenantId}` for an M2M
   * client, `session:${sessionId}` for a BFF. A sign-out (`clear()`) signs out the whole namespace.
   */
  namespace: string;
  /** Prepended to every Redis key and channel, e.g. `'myapp:'`. @default '' */
  keyPrefix?: string;
  /** Longest a single Redis call may take, ms; after it the client goes on without Redis. @default 200 */
  timeout?: number;
  /**
   * Expiry of a key's refresh lock, ms: a crashed or frozen refresher blocks the others at most
   * this long. A live refresher renews its lock every third of it while it works, up to
   * `waitTimeout` from its claim. Keep it well below the token's refresh window. @default 5000
   */
  lockTtl?: number;
  /**
   * Longest an instance waits for another instance's token before it fetches on its own, ms.
   * Keep it below the client's `requestTimeout`. @default 8000
   */
  waitTimeout?: number;
  /** After a Redis failure, how long to work locally before trying Redis again, ms. @default 1000 */
  retryInterval?: number;
  /**
   * Longest random pause (ms) before a background refresh (the client still serves its token)
   * claims its key in Redis. All instances reach a shared token's refresh point at the same
   * instant; spread out, the first one refreshes and the others hear its token before their turn,
   * so Redis sees about one claim per key per cycle instead of one per instance. Capped at a
   * quarter of the token's remaining servable time; never applied when a caller waits. @default 500
   */
  refreshSpread?: number;
  /**
   * The same `refreshMargin` you gave `createTokenClient`, so a token read from Redis that is
   * already due for refresh is refreshed (under the lock) instead of adopted as fresh.
   * @default ttl => min(max(17, 0.1 * ttl), 0.5 * ttl)
   */
  refreshMargin?: (ttlSeconds: number) => number;
  /** @default the global setTimeout/clearTimeout, looked up lazily */
  timers?: TimerProvider;
  /** Source of the refresh spread, for deterministic tests. @default Math.random */
  random?: () => number;
  /**
   * How instances announce tokens, released locks and sign-outs. `'classic'`: `PUBLISH`/`SUBSCRIBE`;
   * on a Redis Cluster the cluster bus copies every message to every node. `'sharded'`:
   * `SPUBLISH`/`SSUBSCRIBE` (Redis >= 7): a namespace's messages stay on the shard that owns its
   * slot, so cluster traffic does not grow with the number of nodes. With an ioredis `Cluster`,
   * create it with `shardedSubscribers: true`. Every instance of a namespace must use the same
   * mode (they would not hear each other otherwise). @default 'classic'
   */
  pubsub?: 'classic' | 'sharded';
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`tokenwarden: redisCoordinator ${name} must be a non-negative finite number`);
  }
  return value;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const checked = nonNegative(name, value, fallback);
  if (!Number.isInteger(checked) || checked === 0)
    throw new TypeError(`tokenwarden: redisCoordinator ${name} must be a positive integer (ms)`);
  return checked;
}

/**
 * Fleet coordination through Redis: every instance of a backend that acts for the same namespace
 * shares one token per key, and only one of them refreshes it per cycle. Tokens are stored in Redis
 * until their cutoff and adopted by the others through the client's own door (validated,
 * monotonic); the refresher is elected with `SET NX PX` and a fencing value; sign-outs bump a
 * namespace epoch that refuses older tokens everywhere. Redis down or slow never fails a
 * `getToken()`: every call is bounded by `timeout`, and the client then fetches on its own and
 * reports `coordinator-degraded`.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { createTokenClient } from 'tokenwarden';
 * import { redisCoordinator } from 'tokenwarden/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const client = createTokenClient({
 *   fetchToken,
 *   coordinator: redisCoordinator({ redis, namespace: `tenant:${tenantId}`, keyPrefix: 'myapp:' }),
 * });
 */
export function redisCoordinator(options: RedisCoordinatorOptions): Coordinator {
  const given: unknown = options?.redis;
  let redis: RedisClient;
  if (isScriptClient(given)) redis = given;
  else if (isNodeRedis(given)) redis = nodeRedisClient(given);
  else throw new TypeError('tokenwarden: redisCoordinator needs an ioredis or node-redis client as `redis`');
  if (typeof options.namespace !== 'string' || options.namespace.length === 0) {
    throw new TypeError('tokenwarden: redisCoordinator needs a non-empty namespace');
  }
  const keyPrefix = options.keyPrefix ?? '';
  if (typeof keyPrefix !== 'string') throw new TypeError('tokenwarden: redisCoordinator keyPrefix must be a string');
  const pubsub = options.pubsub ?? 'classic';
  if (pubsub !== 'classic' && pubsub !== 'sharded') throw new TypeError("tokenwarden: redisCoordinator pubsub must be 'classic' or 'sharded'");
  const refreshMargin = options.refreshMargin ?? defaultRefreshMargin;
  if (typeof refreshMargin !== 'function') throw new TypeError('tokenwarden: redisCoordinator refreshMargin must be a function');
  const settings = {
    redis,
    names: redisNames(keyPrefix, options.namespace),
    timeout: nonNegative('timeout', options.timeout, DEFAULT_REDIS_TIMEOUT),
    // PX takes whole milliseconds, and a lock without expiry would outlive a crashed holder.
    lockTtl: positiveInteger('lockTtl', options.lockTtl, DEFAULT_LOCK_TTL),
    waitTimeout: nonNegative('waitTimeout', options.waitTimeout, DEFAULT_REDIS_WAIT_TIMEOUT),
    retryInterval: nonNegative('retryInterval', options.retryInterval, DEFAULT_RETRY_INTERVAL),
    refreshSpread: nonNegative('refreshSpread', options.refreshSpread, DEFAULT_REFRESH_SPREAD),
    refreshMargin,
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
    sharded: pubsub === 'sharded',
  };
  return {
    connect: (host) => new RedisLink(host, settings),
  };
}
