import { systemTimers, unrefTimer } from '../../timers';
import type { RedisClient, RedisSubscriberConnection } from './redisClient';

export type ChannelListener = (message: string) => void;

function ignore(): void {}

/** How long (ms) a closing pub/sub connection may take to QUIT before its socket is dropped. */
const QUIT_GRACE = 1_000;

/**
 * One pub/sub connection per Redis client, shared by every namespace and every token client that
 * uses it: a backend serving thousands of sessions must not open thousands of connections. Opened
 * (`duplicate()`) with the first listener, closed with the last.
 */
class SharedSubscriber {
  readonly #redis: RedisClient;
  readonly #connection: RedisSubscriberConnection;
  readonly #channels = new Map<string, Set<ChannelListener>>();

  constructor(redis: RedisClient) {
    this.#redis = redis;
    this.#connection = redis.duplicate();
    this.#connection.on('message', (channel: unknown, message: unknown) => {
      if (typeof channel !== 'string' || typeof message !== 'string') return;
      for (const listener of [...(this.#channels.get(channel) ?? [])]) {
        try {
          listener(message);
        } catch {
          // One namespace's trouble must not stop delivery to the others.
        }
      }
    });
    // After a reconnect: ioredis resubscribes what it knew, this also covers a SUBSCRIBE that
    // failed while Redis was away. Subscribing twice is a no-op in Redis.
    this.#connection.on('ready', () => {
      const channels = [...this.#channels.keys()];
      if (channels.length > 0) this.#connection.subscribe(...channels).catch(ignore);
    });
    // Failures show up (bounded) on the commands; without a listener ioredis would log each one.
    this.#connection.on('error', ignore);
  }

  /** Starts delivering `channel` to `listener`; resolves once Redis confirmed the subscription. */
  add(channel: string, listener: ChannelListener): Promise<unknown> {
    let listeners = this.#channels.get(channel);
    const first = listeners === undefined;
    if (!listeners) {
      listeners = new Set();
      this.#channels.set(channel, listeners);
    }
    listeners.add(listener);
    return first ? this.#connection.subscribe(channel) : Promise.resolve();
  }

  remove(channel: string, listener: ChannelListener): void {
    const listeners = this.#channels.get(channel);
    if (!listeners?.delete(listener) || listeners.size > 0) return;
    this.#channels.delete(channel);
    if (this.#channels.size > 0) {
      this.#connection.unsubscribe(channel).catch(ignore);
      return;
    }
    subscribers.delete(this.#redis);
    // QUIT waits for Redis's answer; when Redis is away, drop the socket instead of waiting
    // (a reconnecting connection would otherwise keep the process alive).
    const connection = this.#connection;
    const fallback = systemTimers.setTimeout(() => connection.disconnect(), QUIT_GRACE);
    unrefTimer(fallback);
    connection.quit().then(
      () => systemTimers.clearTimeout(fallback),
      () => {
        systemTimers.clearTimeout(fallback);
        connection.disconnect();
      },
    );
  }
}

const subscribers = new WeakMap<RedisClient, SharedSubscriber>();

/** Listens to `channel` on `redis`'s shared pub/sub connection. Returns the confirmation and the way out. */
export function listen(redis: RedisClient, channel: string, listener: ChannelListener): { ready: Promise<unknown>; close(): void } {
  let subscriber = subscribers.get(redis);
  if (!subscriber) {
    subscriber = new SharedSubscriber(redis);
    subscribers.set(redis, subscriber);
  }
  const owner = subscriber;
  const ready = owner.add(channel, listener);
  let closed = false;
  return {
    ready,
    close() {
      if (closed) return;
      closed = true;
      owner.remove(channel, listener);
    },
  };
}
