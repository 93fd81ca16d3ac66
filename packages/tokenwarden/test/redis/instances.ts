import { Redis, type RedisOptions } from 'ioredis';
import { vi } from 'vitest';
import { createTokenClient, type TokenClientOptions } from '../../src/client';
import { type RedisClient, type RedisCoordinatorOptions, redisCoordinator } from '../../src/sync/redis';
import type { FetchTokenContext, TimerProvider, TokenEvent } from '../../src/types';
import { fakeNetwork, freshJwt, noWake } from '../helpers';

/** An ioredis client on the test server that reconnects quickly, connected before it is returned. */
export async function connectRedis(port: number, options: RedisOptions = {}): Promise<Redis> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => 50, ...options });
  // Failures are what several tests provoke; they are asserted through the coordinator's events.
  redis.on('error', () => undefined);
  await redis.connect();
  return redis;
}

/** Resolves once an ioredis client is connected again after its server came back. */
export function ready(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => redis.once('ready', () => resolve()));
}

export interface InstanceOptions {
  ttl?: number;
  coordinator?: Partial<RedisCoordinatorOptions>;
  client?: Partial<TokenClientOptions>;
}

/**
 * One "server instance": its own Redis connection, a token client with the Redis coordinator, and a
 * token source that mints JWTs locally (real clock) tagged with the instance name, counting requests.
 */
export function createInstance<R extends RedisClient>(name: string, redis: R, namespace: string, options: InstanceOptions = {}) {
  const ttl = options.ttl ?? 60;
  let minted = 0;
  const fetchToken = vi.fn(async (context: FetchTokenContext) =>
    freshJwt(ttl, { n: `${name}:${++minted}`, tpl: context.template ?? null }),
  );
  const client = createTokenClient({
    fetchToken,
    network: fakeNetwork(),
    wake: noWake,
    coordinator: redisCoordinator({ redis, namespace, ...options.coordinator }),
    ...options.client,
  });
  const events: TokenEvent[] = [];
  client.subscribe((event) => events.push(event));
  return {
    name,
    redis,
    client,
    fetchToken,
    events,
    degraded: () => events.filter((event) => event.type === 'coordinator-degraded'),
  };
}

export type Instance<R extends RedisClient = Redis> = ReturnType<typeof createInstance<R>>;

/** Reads the `n` claim ("instance:serial") our instances put in every token. */
export function origin(token: string | null): string {
  if (token === null) throw new Error('expected a token, got null');
  return (JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { n: string }).n;
}

/**
 * Counts scripts sent on a client, and claims Redis answered (claims answer with an array), so a
 * test can tell that an instance has reached Redis and is now waiting — without sleeping.
 */
export function countClaims(redis: RedisClient): { readonly answered: number; readonly sent: number } {
  const counter = { answered: 0, sent: 0 };
  for (const method of ['evalsha', 'eval'] as const) {
    const original = redis[method].bind(redis) as (...args: unknown[]) => Promise<unknown>;
    (redis as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counter.sent++;
      return original(...args).then((reply) => {
        if (Array.isArray(reply)) counter.answered++;
        return reply;
      });
    };
  }
  return counter;
}

/** Timers that only move when the test says so (for the coordinator's own waits). */
export function manualTimers(): TimerProvider & { advance(ms: number): void; readonly pending: number } {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    setTimeout(callback, ms) {
      const id = ++seq;
      timers.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    advance(ms) {
      const until = now + ms;
      for (;;) {
        let next: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= until && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].callback();
      }
      now = until;
    },
    get pending() {
      return timers.size;
    },
  };
}
