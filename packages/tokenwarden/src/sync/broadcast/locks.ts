/** The options of `navigator.locks.request` the coordinator uses. */
export interface LockRequestOptions {
  /** `shared` only for the presence lock every tab holds; refresh locks are exclusive. @default 'exclusive' */
  mode?: 'exclusive' | 'shared';
  /** Give up at once (the callback gets `null`) when another holder has the lock. @default false */
  ifAvailable?: boolean;
  /** Abandons the wait for the lock when aborted. @default none */
  signal?: AbortSignal;
}

/**
 * The part of the Web Locks API (`navigator.locks`) the coordinator uses: `request` calls
 * `callback` with the lock (or `null` when `ifAvailable` and someone else holds it) and holds the
 * lock until the promise the callback returns settles. The browser also frees it when the holding
 * tab or worker goes away, which is what makes a closed leader harmless.
 */
export interface LockManagerLike {
  request<T>(name: string, options: LockRequestOptions, callback: (lock: unknown) => T | Promise<T>): Promise<T>;
  /** Held and pending locks of this origin; optional, since only the presence count needs it. */
  query?(): Promise<{ held?: ReadonlyArray<{ name?: string | undefined }> | undefined }>;
}

/** Returns the lock manager, or `undefined` where there is none (every tab then fetches for itself). */
export type LocksFactory = () => LockManagerLike | undefined;

/** `navigator.locks` where present (browsers, workers); `undefined` elsewhere (Node 20, old Safari). */
export const defaultLocksFactory: LocksFactory = () => {
  if (typeof navigator === 'undefined' || navigator === null) return undefined;
  // Typed as the DOM's LockManager (absent in older browsers despite the type), so the compiler
  // checks it fits LockManagerLike.
  const locks = navigator.locks as LockManager | undefined;
  return locks && typeof locks.request === 'function' ? locks : undefined;
};

/** Lets go of a held lock. Calling it again does nothing. */
export type ReleaseLock = () => void;

/** How many tabs hold the presence lock `name` (this one included), or 0 when that cannot be told. */
export async function countHolders(locks: LockManagerLike, name: string): Promise<number> {
  if (typeof locks.query !== 'function') return 0;
  try {
    const snapshot = await locks.query();
    return (snapshot.held ?? []).filter((lock) => lock.name === name).length;
  } catch {
    return 0;
  }
}

/**
 * Asks for the lock `name` (exclusive unless `mode` says otherwise) and, once granted, holds it until the returned release
 * function is called. With `ifAvailable`, resolves `undefined` at once when another holder has it.
 * Rejects when the request fails (an aborted `signal`, a `SecurityError` in an opaque origin).
 */
export function requestLock(locks: LockManagerLike, name: string, options: LockRequestOptions): Promise<ReleaseLock | undefined> {
  return new Promise((resolve, reject) => {
    let letGo!: () => void;
    const held = new Promise<void>((done) => {
      letGo = done;
    });
    let released = false;
    const release: ReleaseLock = () => {
      if (released) return;
      released = true;
      letGo();
    };
    try {
      locks
        .request(name, options, (lock) => {
          if (lock === null || lock === undefined) {
            resolve(undefined);
            return undefined;
          }
          resolve(release);
          return held;
        })
        .catch(reject);
    } catch (error) {
      reject(error);
    }
  });
}
