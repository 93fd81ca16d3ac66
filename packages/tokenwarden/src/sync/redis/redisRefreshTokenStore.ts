import type { RefreshTokenStore } from '../../sources/refreshTokenStore';
import { createMutex } from '../../sources/refreshTokenStore';
import type { RedisScriptCommands } from './redisClient';

/** Options of `redisRefreshTokenStore`. */
export interface RedisRefreshTokenStoreOptions {
  /** An ioredis client (`new Redis(url)`), or anything with `eval`. */
  redis: RedisScriptCommands;
  /** The Redis key of the refresh token; the lock lives at `<key>:lock`. */
  key: string;
  /**
   * How long a rotation may hold the lock (ms) before another holder may take it (a crashed
   * process must not block the fleet forever). Keep it above the source's `rotationTimeout`.
   * @default 60000
   */
  lockTtl?: number;
  /** How often a waiting holder tries the lock again (ms). @default 50 */
  retryInterval?: number;
}

/** KEYS: lock. ARGV: fence, ttl ms. 1 when taken. */
const ACQUIRE = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end return 0`;
/** KEYS: lock. ARGV: fence. Frees the lock only if it is still ours. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0`;
const GET = `return redis.call('GET', KEYS[1])`;
/**
 * KEYS: token, lock. ARGV: fence, expected token ('' = none), next token ('' = delete).
 * Writes only while the caller still holds the lock and the token is still the one it read: a
 * holder whose lock expired mid-rotation cannot overwrite the rotation that followed it.
 */
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[3]) end
return 1`;
/** KEYS: token. ARGV: next token ('' = delete). Outside a rotation: seeding or clearing. */
const PUT = `if ARGV[1] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[1]) end return 1`;

function randomFence(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as unknown);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as unknown);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    (timer as { unref?: () => void }).unref?.();
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A refresh-token store in Redis for a fleet of processes sharing one grant. Each rotation holds a
 * Redis lock (`SET NX PX` with a random fence), and the rotated token is written by a Lua
 * compare-and-set that succeeds only while the lock is still this holder's and the stored token is
 * the one it sent. So no two processes ever send one refresh token, and a process whose lock
 * expired mid-rotation (stalled past `lockTtl`) cannot overwrite a newer token: its `set` rejects.
 * Redis without persistence loses the token on restart: the next rotation then resolves `null`.
 *
 * @example
 * import { Redis } from 'ioredis';
 * import { clientSecretBasic, oauth2RefreshSource } from 'tokenwarden';
 * import { redisRefreshTokenStore } from 'tokenwarden/redis';
 * const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
 * const store = redisRefreshTokenStore({ redis, key: 'app:refresh:service-a' });
 * oauth2RefreshSource({ issuer, clientId, clientAuth: clientSecretBasic(secret), store });
 */
export function redisRefreshTokenStore(options: RedisRefreshTokenStoreOptions): RefreshTokenStore {
  const { redis, key } = options;
  const lockKey = `${key}:lock`;
  const lockTtl = options.lockTtl ?? 60_000;
  const retryInterval = options.retryInterval ?? 50;
  // Rotations of this process queue here first, so one fence is held at a time per store object.
  const local = createMutex();
  let held: { fence: string; read: string | null } | undefined;

  const acquire = async (signal: AbortSignal): Promise<string> => {
    const fence = randomFence();
    while ((await redis.eval(ACQUIRE, 1, lockKey, fence, lockTtl)) !== 1) await wait(retryInterval, signal);
    return fence;
  };

  return {
    async get() {
      const value = (await redis.eval(GET, 1, key)) as string | null;
      const token = typeof value === 'string' && value !== '' ? value : null;
      if (held) held.read = token;
      return token;
    },
    async set(token) {
      if (!held) {
        await redis.eval(PUT, 1, key, token ?? '');
        return;
      }
      const written = await redis.eval(COMPARE_AND_SET, 2, key, lockKey, held.fence, held.read ?? '', token ?? '');
      if (written !== 1) throw new Error(`redisRefreshTokenStore: the rotation lock on ${lockKey} expired or the token changed; the new refresh token was not stored`);
      held.read = token;
    },
    lock(rotation, signal) {
      return local(async () => {
        const fence = await acquire(signal);
        held = { fence, read: null };
        try {
          return await rotation();
        } finally {
          held = undefined;
          await redis.eval(RELEASE, 1, lockKey, fence).catch(() => undefined);
        }
      }, signal);
    },
  };
}
