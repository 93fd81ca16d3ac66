import { keyId } from '../../keys';
import type { TokenKey } from '../../types';

/** The Redis keys and the channel one namespace uses. */
export interface RedisNames {
  /** Hash `{ epoch, jwt }`: the shared token of one key, expiring at its cutoff. */
  token(key: TokenKey): string;
  /** The refresh lock of one key; its value is the holder's fencing token. */
  lock(key: TokenKey): string;
  /** Counter bumped by every sign-out in the namespace. */
  readonly epoch: string;
  /** Pub/sub channel for new tokens, released locks and sign-outs. */
  readonly channel: string;
}

/**
 * `${prefix}tokenwarden:{${namespace}}:tok:${keyId}` and friends. The namespace sits in a hash tag
 * (`{...}`) so that every key of a namespace lands in the same Redis Cluster slot: the scripts touch
 * a token, its lock and the epoch together, which Cluster only allows within one slot. Key ids are
 * the cache's collision-free serialisation (`keyId`), so two keys never share a Redis key.
 */
export function redisNames(prefix: string, namespace: string): RedisNames {
  const base = `${prefix}tokenwarden:{${namespace}}`;
  return {
    token: (key) => `${base}:tok:${keyId(key)}`,
    lock: (key) => `${base}:lock:${keyId(key)}`,
    epoch: `${base}:epoch`,
    channel: `${base}:events`,
  };
}
