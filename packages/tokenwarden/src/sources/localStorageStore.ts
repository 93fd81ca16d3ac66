import { createMutex, type RefreshTokenStore } from './refreshTokenStore';

/** The parts of `navigator.locks` this store uses. */
export interface WebLocksLike {
  request<T>(name: string, options: { mode?: 'exclusive'; signal?: AbortSignal }, callback: () => Promise<T>): Promise<T>;
}

/** Where `localStorageStore` keeps its refresh token and which Web Locks it rotates under (for tests, other storages). */
export interface LocalStorageStoreOptions {
  /** @default globalThis.localStorage */
  storage?: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  /** @default globalThis.navigator.locks; without it, rotations are serialized within this page only */
  locks?: WebLocksLike;
}

/**
 * A refresh-token store in `localStorage` under `name`, shared by every tab of the origin, whose
 * rotations take a Web Lock (`tokenwarden:refresh:<name>`) so two tabs never send one refresh token
 * twice. The next tab to rotate reads the token the previous one wrote.
 *
 * **Security**: `localStorage` is readable by any script on the page, so an XSS hole hands the
 * refresh token to an attacker (who can then mint access tokens until the grant is revoked). Auth0's
 * SPA SDK offers the same choice (`cacheLocation: 'localstorage'`) with the same warning. Prefer a
 * backend-for-frontend (httpOnly cookie + `httpTokenSource`), or keep short refresh-token lifetimes
 * with rotation and reuse detection on.
 *
 * @example
 * oauth2RefreshSource({ issuer, clientId: 'spa', store: localStorageStore('app') })
 */
export function localStorageStore(name: string, options: LocalStorageStoreOptions = {}): RefreshTokenStore {
  const key = `tokenwarden:refresh:${name}`;
  const storage = () => options.storage ?? globalThis.localStorage;
  const locks = options.locks ?? (globalThis.navigator as { locks?: WebLocksLike } | undefined)?.locks;
  const mutex = createMutex();
  return {
    get: () => storage().getItem(key),
    set: (token) => {
      if (token === null) storage().removeItem(key);
      else storage().setItem(key, token);
    },
    lock: (rotation, signal) => (locks ? locks.request(key, { mode: 'exclusive', signal }, rotation) : mutex(rotation, signal)),
  };
}
