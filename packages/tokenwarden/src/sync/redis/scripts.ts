import type { RedisArgument, RedisScriptCommands } from './redisClient';

/**
 * Every Redis step of the coordinator is one Lua script: atomic (no other instance can act between
 * reading the shared token and taking the lock) and one round trip. Each script that reads the
 * namespace epoch first restores it if Redis lost it (a restart without persistence): the epoch only
 * ever grows, so the largest value any instance remembers is the right one.
 */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
}

const RESTORE_EPOCH = `
local current = tonumber(redis.call('GET', KEYS[EPOCH]) or '0')
local mine = tonumber(ARGV[1])
if mine ~= nil and current < mine then
  redis.call('SET', KEYS[EPOCH], ARGV[1])
  current = mine
end`;

/**
 * KEYS: token hash, lock, epoch. ARGV: caller's epoch ('' unknown), judged jwt ('' none), fence, lock ttl ms.
 * Returns `{ epoch, jwt | nil, state, pttl }`. state 'stored': a token of the current epoch that the
 * caller has not judged yet (it is returned, no lock is taken). Otherwise the lock is tried:
 * 'won' (the caller refreshes), or 'held' with the lock's remaining ms (someone else refreshes).
 * The judged jwt is the one the caller already holds or already found unusable: finding it again
 * means nobody refreshed yet, so the lock is taken in the same step, leaving no gap for a refresher
 * to finish unseen between a read and a lock (which would make the caller fetch a second time).
 */
export const CLAIM: LuaScript = {
  name: 'claim',
  source: `${RESTORE_EPOCH.replaceAll('EPOCH', '3')}
local stored = redis.call('HMGET', KEYS[1], 'epoch', 'jwt')
local jwt = stored[2]
if jwt and tonumber(stored[1]) == current and jwt ~= ARGV[2] then
  return {current, jwt, 'stored', 0}
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then
  return {current, false, 'won', 0}
end
return {current, false, 'held', redis.call('PTTL', KEYS[2])}`,
};

/**
 * KEYS: token hash, epoch, lock. ARGV: caller's epoch, jwt, px, channel, message, fence ('' when not holding).
 * Stores and announces the token only if the caller's epoch is current, and then frees the caller's
 * lock (if it still holds it) in the same step: a refresh costs the holder two round trips, not
 * three. Returns `{ epoch, stored }` (stored 1 or 0).
 */
export const PUBLISH: LuaScript = {
  name: 'publish',
  source: `${RESTORE_EPOCH.replaceAll('EPOCH', '2')}
if current ~= mine then return {current, 0} end
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'jwt', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
if ARGV[6] ~= '' and redis.call('GET', KEYS[3]) == ARGV[6] then redis.call('DEL', KEYS[3]) end
return {current, 1}`,
};

/**
 * KEYS: lock. ARGV: fence, channel, message ('' for none).
 * Deletes the lock only while it still holds the caller's fence: after an expiry another instance
 * may hold it, and that lock is not ours to drop. Returns 1 when released.
 */
export const RELEASE: LuaScript = {
  name: 'release',
  source: `if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1`,
};

/**
 * KEYS: epoch. ARGV: caller's epoch ('' unknown), channel, sender id.
 * Bumps the epoch past anything the caller knows and announces it; returns the new epoch.
 */
export const INVALIDATE: LuaScript = {
  name: 'invalidate',
  source: `local bumped = redis.call('INCR', KEYS[1])
local mine = tonumber(ARGV[1])
if mine ~= nil and bumped <= mine then
  bumped = mine + 1
  redis.call('SET', KEYS[1], bumped)
end
redis.call('PUBLISH', ARGV[2], cjson.encode({type = 'epoch', epoch = bumped, from = ARGV[3]}))
return bumped`,
};

const shas = new Map<string, Promise<string | undefined>>();

/** SHA-1 of a script, hex, as `EVALSHA` wants it; undefined where Web Crypto is missing. */
export function scriptSha(source: string): Promise<string | undefined> {
  let sha = shas.get(source);
  if (!sha) {
    const subtle = globalThis.crypto?.subtle;
    sha = subtle
      ? subtle.digest('SHA-1', new TextEncoder().encode(source)).then(
          (digest) => Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join(''),
          () => undefined,
        )
      : Promise.resolve(undefined);
    shas.set(source, sha);
  }
  return sha;
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Per connection: scripts Redis is known to have cached (it forgets them all when it restarts). */
const loaded = new WeakMap<RedisScriptCommands, Set<string>>();

/**
 * Runs a script by its SHA once Redis has it: the first call on a connection sends the text
 * (`EVAL`, which also caches it), later ones only the SHA; `NOSCRIPT` (Redis restarted and forgot
 * it) falls back to `EVAL` again.
 */
export async function runScript(redis: RedisScriptCommands, script: LuaScript, keys: string[], args: RedisArgument[]): Promise<unknown> {
  const sha = await scriptSha(script.source);
  let cached = loaded.get(redis);
  if (!cached) {
    cached = new Set();
    loaded.set(redis, cached);
  }
  if (sha !== undefined && cached.has(sha)) {
    try {
      return await redis.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      cached.delete(sha);
    }
  }
  const reply = await redis.eval(script.source, keys.length, ...keys, ...args);
  if (sha !== undefined) cached.add(sha);
  return reply;
}
