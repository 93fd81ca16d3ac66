import { systemTimers, unrefTimer } from '../../timers';
import type { RedisClient, RedisSubscriberConnection } from './redisClient';

export type ChannelListener = (message: string) => void;

/** One listener of a channel: its messages, and whether the channel is subscribed right now. */
interface Listening {
  readonly message: ChannelListener;
  /** Told `false` when the connection drops (announcements may be missed), `true` once Redis confirmed again. */
  readonly state: (up: boolean) => void;
}

interface Channel {
  readonly listeners: Set<Listening>;
  /** Redis confirmed the subscription on the current connection. */
  confirmed: boolean;
  /** Settles with the SUBSCRIBE that the current connection sent. */
  ready: Promise<unknown>;
}

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
  readonly #sharded: boolean;
  readonly #connection: RedisSubscriberConnection;
  readonly #channels = new Map<string, Channel>();

  constructor(redis: RedisClient, sharded: boolean) {
    this.#redis = redis;
    this.#sharded = sharded;
    this.#connection = redis.duplicate();
    if (sharded && (typeof this.#connection.ssubscribe !== 'function' || typeof this.#connection.sunsubscribe !== 'function')) {
      this.#connection.disconnect();
      throw new TypeError('tokenwarden: pubsub "sharded" needs a client with ssubscribe (ioredis >= 5.3, node-redis >= 4.6)');
    }
    this.#connection.on(sharded ? 'smessage' : 'message', (channel: unknown, message: unknown) => {
      if (typeof channel !== 'string' || typeof message !== 'string') return;
      for (const listening of [...(this.#channels.get(channel)?.listeners ?? [])]) {
        try {
          listening.message(message);
        } catch {
          // One namespace's trouble must not stop delivery to the others.
        }
      }
    });
    // After a reconnect: the client may resubscribe what it knew; this also covers a SUBSCRIBE that
    // failed while Redis was away, and tells listeners when they hear announcements again.
    // Subscribing twice is a no-op in Redis.
    this.#connection.on('ready', () => {
      for (const [name, channel] of this.#channels) if (!channel.confirmed) this.#subscribe(name, channel);
    });
    // Announcements sent while the connection is down are lost: listeners stop relying on them.
    this.#connection.on('close', () => this.#down());
    this.#connection.on('end', () => this.#down());
    // Failures show up (bounded) on the commands; without a listener ioredis would log each one.
    this.#connection.on('error', ignore);
  }

  /** Starts delivering `channel` to `listening`; resolves once Redis confirmed the subscription. */
  add(name: string, listening: Listening): Channel {
    let channel = this.#channels.get(name);
    if (!channel) {
      channel = { listeners: new Set(), confirmed: false, ready: Promise.resolve() };
      this.#channels.set(name, channel);
      this.#subscribe(name, channel);
    }
    channel.listeners.add(listening);
    return channel;
  }

  remove(name: string, listening: Listening): void {
    const channel = this.#channels.get(name);
    if (!channel?.listeners.delete(listening) || channel.listeners.size > 0) return;
    this.#channels.delete(name);
    if (this.#channels.size > 0) {
      (this.#sharded ? this.#connection.sunsubscribe!(name) : this.#connection.unsubscribe(name)).catch(ignore);
      return;
    }
    subscribers.get(this.#redis)?.delete(this.#sharded);
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

  #subscribe(name: string, channel: Channel): void {
    const sent = Promise.resolve().then(() => (this.#sharded ? this.#connection.ssubscribe!(name) : this.#connection.subscribe(name)));
    channel.ready = sent;
    sent.then(() => {
      if (channel.ready !== sent || channel.confirmed || this.#channels.get(name) !== channel) return;
      channel.confirmed = true;
      for (const listening of [...channel.listeners]) listening.state(true);
    }, ignore);
  }

  #down(): void {
    for (const channel of this.#channels.values()) {
      if (!channel.confirmed) continue;
      channel.confirmed = false;
      for (const listening of [...channel.listeners]) listening.state(false);
    }
  }
}

/** Per client, one connection for classic pub/sub and one for sharded (keyed by `sharded`). */
const subscribers = new WeakMap<RedisClient, Map<boolean, SharedSubscriber>>();

export interface Subscription {
  /** Settles when Redis answered the SUBSCRIBE (rejects when it failed). */
  readonly ready: Promise<unknown>;
  /** Whether announcements on the channel reach this listener right now. */
  readonly confirmed: boolean;
  close(): void;
}

/**
 * Listens to `channel` on `redis`'s shared pub/sub connection. `state` hears when the subscription
 * is lost (connection dropped) and confirmed again.
 */
export function listen(
  redis: RedisClient,
  name: string,
  message: ChannelListener,
  state: (up: boolean) => void = ignore,
  sharded = false,
): Subscription {
  let byMode = subscribers.get(redis);
  if (!byMode) {
    byMode = new Map();
    subscribers.set(redis, byMode);
  }
  let subscriber = byMode.get(sharded);
  if (!subscriber) {
    subscriber = new SharedSubscriber(redis, sharded);
    byMode.set(sharded, subscriber);
  }
  const owner = subscriber;
  const listening: Listening = { message, state };
  const channel = owner.add(name, listening);
  let closed = false;
  return {
    ready: channel.ready,
    get confirmed() {
      return !closed && channel.confirmed;
    },
    close() {
      if (closed) return;
      closed = true;
      owner.remove(name, listening);
    },
  };
}
