/**
 * The parts of an ioredis client the Redis coordinator uses, described structurally so this
 * package never imports ioredis (it stays an optional peer dependency, and the browser build's
 * type check never sees Node types). An ioredis `Redis` or `Cluster` instance fits as is.
 */

export type RedisArgument = string | number;

/** Commands sent on the app's own connection: only scripts, so every step is one atomic round trip. */
export interface RedisScriptCommands {
  eval(script: string, numKeys: number, ...args: RedisArgument[]): Promise<unknown>;
  evalsha(sha1: string, numKeys: number, ...args: RedisArgument[]): Promise<unknown>;
}

/** The second connection pub/sub needs (a subscribed connection can run no other command). */
export interface RedisSubscriberConnection {
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  /** Sharded pub/sub (Redis >= 7), used with `pubsub: 'sharded'`; messages then arrive as `smessage`. */
  ssubscribe?(...channels: string[]): Promise<unknown>;
  sunsubscribe?(...channels: string[]): Promise<unknown>;
  // Matches Node's EventEmitter signature, which is what ioredis exposes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: 'message' | 'smessage' | 'ready' | 'error' | 'close' | 'end', listener: (...args: any[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** What `redisCoordinator({ redis })` needs: an ioredis client (`new Redis(...)`). */
export interface RedisClient extends RedisScriptCommands {
  /** A new connection with the same options; used once per client for pub/sub. */
  duplicate(): RedisSubscriberConnection;
}
