/**
 * Where the current refresh token lives. Rotation replaces it on every refresh, so it must be
 * written back: to memory, `localStorage`, Redis, a secure store, a database row...
 * `set(null)` means the grant is gone (signed out).
 *
 * **Holders.** A rotating server retires a refresh token once it is used, and treats a second use
 * as theft (it revokes the whole grant). So when several holders share a store (two sources, tabs,
 * processes), one of them must read, send and write back before another reads: that is `lock`.
 * `oauth2RefreshSource` runs each rotation inside `lock` and calls `get`/`set` only there. A store
 * without `lock` is safe for one source instance only (the source serializes its own rotations).
 */
export interface RefreshTokenStore {
  get(): string | null | Promise<string | null>;
  set(token: string | null): void | Promise<void>;
  /**
   * Runs `rotation` while no other holder of this store runs one, and resolves with its result.
   * Should give up (reject) when `signal` aborts while waiting. A lock that can expire (Redis) must
   * refuse a `set` from a holder whose lock expired, so a stale rotation never overwrites a newer one.
   */
  lock?<T>(rotation: () => Promise<T>, signal: AbortSignal): Promise<T>;
}

/**
 * Runs tasks one after another, in call order: the lock of a single page or process.
 * A task's failure does not block the ones queued after it.
 */
export function createMutex(): <T>(task: () => Promise<T>, signal?: AbortSignal) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> => {
    const run = tail.then(() => {
      if (signal?.aborted) throw signal.reason;
      return task();
    });
    tail = run.catch(() => undefined);
    return run;
  };
}

/**
 * The default store: the refresh token in a closure, gone with the page or process. Its `lock`
 * serializes the sources of this page or process that share it.
 *
 * @example
 * const store = memoryStore(initialRefreshToken);
 * const source = oauth2RefreshSource({ issuer, clientId, store });
 */
export function memoryStore(initial: string | null): RefreshTokenStore {
  let token = initial;
  const mutex = createMutex();
  return {
    get: () => token,
    set: (next) => {
      token = next;
    },
    lock: (rotation, signal) => mutex(rotation, signal),
  };
}
