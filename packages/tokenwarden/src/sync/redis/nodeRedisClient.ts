import type { RedisArgument, RedisClient, RedisSubscriberConnection } from './redisClient';

/**
 * The parts of a node-redis (`redis` package, v5+) client or cluster that the adapter uses,
 * described structurally so this package never imports node-redis. `createClient()` and
 * `createCluster()` results fit, connected or not (the adapter connects its own pub/sub duplicate).
 */
export interface NodeRedisLike {
  // node-redis overloads these heavily; the adapter calls them in the two documented shapes only.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sendCommand(...args: any[]): Promise<unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  duplicate(...args: any[]): any;
}

type Listener = (...args: unknown[]) => void;

/** A node-redis cluster (`createCluster`) routes a raw command by its first key. */
function isCluster(redis: NodeRedisLike): boolean {
  return typeof (redis as { getSlotMaster?: unknown }).getSlotMaster === 'function';
}

/**
 * A node-redis connection in the shape of an ioredis subscriber: `message(channel, message)` (and
 * `smessage` for sharded pub/sub),
 * `ready` when (re)connected, `close` when the connection is lost (node-redis says `reconnecting`),
 * `end`, `error`. node-redis resubscribes by itself after a reconnect.
 */
function subscriberOf(connection: {
  connect(): Promise<unknown>;
  subscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  unsubscribe(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  sSubscribe?(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  sUnsubscribe?(channels: string[], listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: string, listener: Listener): unknown;
  close?(): Promise<unknown>;
  quit?(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<unknown> | void;
}, cluster: boolean): RedisSubscriberConnection {
  const listeners = new Map<string, Set<Listener>>();
  const emit = (event: string, ...args: unknown[]) => {
    for (const listener of [...(listeners.get(event) ?? [])]) listener(...args);
  };
  const onMessage = (message: string, channel: string) => emit('message', channel, message);
  const onShardMessage = (message: string, channel: string) => emit('smessage', channel, message);
  connection.on('error', (error) => emit('error', error));
  connection.on(cluster ? 'connect' : 'ready', () => emit('ready'));
  connection.on(cluster ? 'disconnect' : 'reconnecting', () => emit('close'));
  connection.on('end', () => emit('end'));
  const connected = connection.connect();
  // A failed connect shows up on the SUBSCRIBE it holds back (reported by the coordinator).
  connected.catch(() => undefined);
  return {
    subscribe: (...channels) => connected.then(() => connection.subscribe(channels, onMessage)),
    unsubscribe: (...channels) => connected.then(() => connection.unsubscribe(channels, onMessage)),
    ssubscribe: (...channels) => connected.then(() => connection.sSubscribe?.(channels, onShardMessage)),
    sunsubscribe: (...channels) => connected.then(() => connection.sUnsubscribe?.(channels, onShardMessage)),
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener);
      return this;
    },
    quit: () => connected.then(() => (connection.close ? connection.close() : connection.quit?.())),
    disconnect() {
      if (connection.destroy) connection.destroy();
      else void Promise.resolve(connection.disconnect?.()).catch(() => undefined);
    },
  };
}

const adapters = new WeakMap<object, RedisClient>();

/**
 * Adapts a node-redis client or cluster to what the coordinator needs: scripts through raw
 * `EVAL`/`EVALSHA` (routed by their first key on a cluster), and a pub/sub duplicate. The same
 * adapter is returned for the same client, so script caches and the shared pub/sub connection are
 * per client as with ioredis. `redisCoordinator({ redis })` applies it by itself; exported for tests
 * and for wrapping a client once.
 *
 * @example
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * redisCoordinator({ redis, namespace: `tenant:${tenantId}` }); // adapted automatically
 */
export function nodeRedisClient(redis: NodeRedisLike): RedisClient {
  const existing = adapters.get(redis);
  if (existing) return existing;
  const cluster = isCluster(redis);
  const send = (args: string[], firstKey: string | undefined): Promise<unknown> =>
    cluster ? redis.sendCommand(firstKey, false, args) : redis.sendCommand(args);
  const script = (command: 'EVAL' | 'EVALSHA') => (body: string, numKeys: number, ...rest: RedisArgument[]) => {
    const args = rest.map(String);
    return send([command, body, String(numKeys), ...args], numKeys > 0 ? args[0] : undefined);
  };
  const adapter: RedisClient = {
    eval: script('EVAL'),
    evalsha: script('EVALSHA'),
    duplicate: () => subscriberOf(redis.duplicate(), cluster),
  };
  adapters.set(redis, adapter);
  return adapter;
}

/** True for an ioredis `Redis`/`Cluster` (or anything else already in the coordinator's shape). */
export function isScriptClient(redis: unknown): redis is RedisClient {
  const candidate = redis as Partial<RedisClient> | null | undefined;
  return !!candidate && typeof candidate.eval === 'function' && typeof candidate.evalsha === 'function' && typeof candidate.duplicate === 'function';
}

/** True for a node-redis client or cluster (raw `sendCommand`, no lowercase `evalsha`). */
export function isNodeRedis(redis: unknown): redis is NodeRedisLike {
  const candidate = redis as Partial<NodeRedisLike> | null | undefined;
  return !!candidate && typeof candidate.sendCommand === 'function' && typeof candidate.duplicate === 'function' && !isScriptClient(candidate);
}
