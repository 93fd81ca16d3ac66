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

/**
 * Reads the epoch as `current`. Anything that is not a non-negative integer string (a foreign value,
 * another type) counts as 0 and is overwritten: one broken key must not fail every call. If Redis
 * lost it, the caller's larger epoch is put back.
 */
const RESTORE_EPOCH = `
local current = nil
if redis.call('TYPE', KEYS[EPOCH])['ok'] == 'string' then current = tonumber(redis.call('GET', KEYS[EPOCH])) end
local repair = current == nil or current < 0 or current ~= math.floor(current)
if repair then current = 0 end
local mine = tonumber(ARGV[1])
if mine ~= nil and current < mine then
  current = mine
  repair = true
end
if repair and (current > 0 or redis.call('EXISTS', KEYS[EPOCH]) == 1) then redis.call('SET', KEYS[EPOCH], current) end`;

/**
 * KEYS: token hash, lock, epoch. ARGV: caller's epoch ('' unknown), judged token ('' none), fence, lock ttl ms.
 * Returns `{ epoch, token | false, state, pttl, expiresAt | false, issuedAt | false }`. state 'stored':
 * a token of the current epoch that the caller has not judged yet (it is returned, no lock is
 * taken). Otherwise the lock is tried: 'won' (the caller refreshes), or 'held' with the lock's
 * remaining ms (someone else refreshes).
 * The judged token is the one the caller already holds or already found unusable: finding it again
 * means nobody refreshed yet, so the lock is taken in the same step, leaving no gap for a refresher
 * to finish unseen between a read and a lock (which would make the caller fetch a second time).
 * Broken state is repaired, never waited on: a token key that is not a hash is dropped; a lock that
 * is not a string, never expires, or does not hold a fence (`<id>:<n>`) was not written by a
 * coordinator and is dropped; a lock living longer than the caller's lock TTL is cut to it. The
 * stored token's field was `jwt` before records (read for a rolling upgrade).
 */
export const CLAIM: LuaScript = {
  name: 'claim',
  source: `${RESTORE_EPOCH.replaceAll('EPOCH', '3')}
local ttype = redis.call('TYPE', KEYS[1])['ok']
if ttype == 'hash' then
  local stored = redis.call('HMGET', KEYS[1], 'epoch', 'token', 'jwt', 'exp', 'iat')
  local token = stored[2] or stored[3]
  if token and tonumber(stored[1]) == current and token ~= ARGV[2] then
    return {current, token, 'stored', 0, stored[4] or false, stored[5] or false}
  end
elseif ttype ~= 'none' then
  redis.call('DEL', KEYS[1])
end
local ltype = redis.call('TYPE', KEYS[2])['ok']
if ltype ~= 'none' then
  local pttl = redis.call('PTTL', KEYS[2])
  if ltype ~= 'string' or pttl < 0 or not string.match(redis.call('GET', KEYS[2]), '^[%w%-]+:%d+$') then
    redis.call('DEL', KEYS[2])
  elseif pttl > tonumber(ARGV[4]) then
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
end
if redis.call('SET', KEYS[2], ARGV[3], 'NX', 'PX', ARGV[4]) then
  return {current, false, 'won', 0, false, false}
end
return {current, false, 'held', redis.call('PTTL', KEYS[2]), false, false}`,
};

/**
 * Announces on the channel with `PUBLISH`, or `SPUBLISH` (sharded pub/sub, Redis >= 7) when the
 * caller passes that word: a sharded channel must live in the keys' slot, which the namespace hash
 * tag guarantees. Anything else than 'SPUBLISH' means PUBLISH.
 */
const PUBLISH_COMMAND = `(ARGV[NTH] == 'SPUBLISH' and 'SPUBLISH' or 'PUBLISH')`;

/** Frees the lock in KEYS[n] if it is a string holding ARGV[fence] (never touches another type). */
const FREE_LOCK = `
if ARGV[FENCE] ~= '' and redis.call('TYPE', KEYS[LOCK])['ok'] == 'string' and redis.call('GET', KEYS[LOCK]) == ARGV[FENCE] then
  redis.call('DEL', KEYS[LOCK])
  freed = 1
end`;

/**
 * KEYS: token hash, epoch, lock. ARGV: caller's epoch, token, px, channel, message, fence ('' when
 * not holding), expiresAt ms, issuedAt ms, publish command (see {@link PUBLISH_COMMAND}).
 * Stores and announces the token only if the caller's epoch is current (replacing whatever the key
 * held, of any type), and then frees the caller's lock (if it still holds it) in the same step: a
 * refresh costs the holder two round trips, not three. Returns `{ epoch, stored }` (stored 1 or 0).
 */
export const PUBLISH: LuaScript = {
  name: 'publish',
  source: `${RESTORE_EPOCH.replaceAll('EPOCH', '2')}
if current ~= mine then return {current, 0} end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'token', ARGV[2], 'exp', ARGV[7], 'iat', ARGV[8])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call(${PUBLISH_COMMAND.replace('NTH', '9')}, ARGV[4], ARGV[5])
local freed = 0
${FREE_LOCK.replaceAll('FENCE', '6').replaceAll('LOCK', '3')}
return {current, 1}`,
};

/**
 * KEYS: lock. ARGV: fence, channel, message ('' for none), publish command.
 * Deletes the lock only while it still holds the caller's fence: after an expiry another instance
 * may hold it, and that lock is not ours to drop. Returns 1 when released.
 */
export const RELEASE: LuaScript = {
  name: 'release',
  source: `local freed = 0
${FREE_LOCK.replaceAll('FENCE', '1').replaceAll('LOCK', '1')}
if freed == 1 and ARGV[3] ~= '' then redis.call(${PUBLISH_COMMAND.replace('NTH', '4')}, ARGV[2], ARGV[3]) end
return freed`,
};

/**
 * KEYS: lock. ARGV: fence, lock ttl ms.
 * Extends the lock to `lockTtl` from now while it still holds the caller's fence: a refresher that is
 * alive but slow (a slow token endpoint, a busy host) keeps its lock, so the expiry only ever
 * stands for a refresher that crashed or froze. Returns 1 when extended, 0 when the lock is not
 * the caller's any more (it expired and another instance took it, or it was freed).
 */
export const RENEW: LuaScript = {
  name: 'renew',
  source: `if redis.call('TYPE', KEYS[1])['ok'] == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`,
};

/**
 * KEYS: epoch. ARGV: caller's epoch ('' unknown), channel, sender id, publish command.
 * Bumps the epoch past anything the caller knows (and past a broken value) and announces it;
 * returns the new epoch.
 */
export const INVALIDATE: LuaScript = {
  name: 'invalidate',
  source: `${RESTORE_EPOCH.replaceAll('EPOCH', '1')}
local bumped = current + 1
redis.call('SET', KEYS[1], bumped)
redis.call(${PUBLISH_COMMAND.replace('NTH', '4')}, ARGV[2], cjson.encode({type = 'epoch', epoch = bumped, from = ARGV[3]}))
return bumped`,
};

/**
 * KEYS: epoch. ARGV: caller's epoch ('' unknown). Returns the current epoch (restored from the
 * caller's if Redis lost it). Read once the pub/sub subscription is confirmed: a sign-out announced
 * before that moment was not heard, and this is how it is found.
 */
export const EPOCH: LuaScript = {
  name: 'epoch',
  source: `${RESTORE_EPOCH.replaceAll('EPOCH', '1')}
return current`,
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
 * (`EVAL`, which also caches it), later ones only the SHA; `NOSCRIPT` (Redis restarted, or a
 * promoted replica, forgot it) falls back to `EVAL` again — unless the caller has given up on the
 * call by then (`abandoned`): a late fallback would run a claim nobody waits for any more, and take
 * a lock nobody releases.
 */
export async function runScript(
  redis: RedisScriptCommands,
  script: LuaScript,
  keys: string[],
  args: RedisArgument[],
  abandoned: () => boolean = () => false,
): Promise<unknown> {
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
      if (abandoned()) throw error;
    }
  }
  const reply = await redis.eval(script.source, keys.length, ...keys, ...args);
  if (sha !== undefined) cached.add(sha);
  return reply;
}
