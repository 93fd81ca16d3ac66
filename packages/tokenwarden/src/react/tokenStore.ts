import type { TokenClient } from '../client';
import { OfflineError } from '../errors';
import { keyId } from '../keys';
import type { TokenEvent, TokenKey } from '../types';

/**
 * What a component can show about one token:
 * - `loading`: no usable token yet, one is being fetched;
 * - `ready`: `token` is usable now;
 * - `offline`: no usable token and the network is unreachable (`error` is the `OfflineError`);
 * - `signed-out`: the source said there is no session (`getToken()` gave `null`, or `clear()`);
 * - `error`: the token endpoint failed for another reason (`error` says why).
 */
export type TokenStatus = 'loading' | 'ready' | 'offline' | 'signed-out' | 'error';

/** The value `useToken` returns. Referentially stable while nothing in it changes. */
/**
 * What `useToken` returns, a union on `status`: once `status` is `'ready'`, `token` is a string
 * (usable right now: more than `minValidity` left); otherwise it is `null` and `error` says why
 * there is none (`offline` / `error`).
 *
 * `refresh()` fetches a fresh token now (skipping the cache). It resolves once the state shows the
 * outcome and never rejects: a failure shows as `status`/`error`, so `onClick={refresh}` is safe. A
 * stable function. (For the token itself, call `useGetToken()` with `{ skipCache: true }`.)
 */
export type TokenState =
  | { status: 'ready'; token: string; error: null; refresh: () => Promise<void> }
  // One member per status, so that checking the statuses one by one narrows to `ready`.
  | { [S in Exclude<TokenStatus, 'ready'>]: { status: S; token: null; error: Error | null; refresh: () => Promise<void> } }[Exclude<TokenStatus, 'ready'>];

/** The status to fall back to while the client holds no usable token for the key. */
type TokenlessStatus = Exclude<TokenStatus, 'ready'>;

function ignore(): void {}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error('tokenwarden: fetchToken failed with a non-Error value', { cause: value });
}

/** Late-bound so fake timers installed after import still apply. */
const timers = {
  set: (callback: () => void, ms: number) => {
    const handle = setTimeout(callback, ms);
    // Never keep a Node process (tests, SSR tooling) alive for a re-check.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clear: (handle: ReturnType<typeof setTimeout>) => clearTimeout(handle),
};

/**
 * A `useSyncExternalStore` store for one key of one client. The token itself always comes from
 * `client.peekToken(key)`, so the view never shows a token the client would not serve; the store
 * only remembers why there is no token. Snapshots are cached and replaced only when token, status or
 * error change, which is what keeps unrelated client events from re-rendering anything.
 */
export class TokenStore {
  readonly #client: TokenClient;
  readonly #key: TokenKey;
  readonly #keyId: string;
  readonly #listeners = new Set<() => void>();
  #status: TokenlessStatus | 'ready' = 'loading';
  #error: Error | null = null;
  /** Bumped by each load and each sign-out, so an older answer never overwrites a newer state. */
  #generation = 0;
  #snapshot: TokenState;
  readonly #serverSnapshot: TokenState;
  #unsubscribeClient: (() => void) | undefined;
  #cutoffTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(client: TokenClient, key: TokenKey) {
    this.#client = client;
    this.#key = key;
    this.#keyId = keyId(key);
    // No token on the server: rendering there must not fetch, and hydration must match it.
    this.#serverSnapshot = { token: null, status: 'loading', error: null, refresh: this.refresh };
    this.#snapshot = this.#serverSnapshot;
  }

  readonly refresh = (): Promise<void> => this.#load(true).then(ignore, ignore);

  readonly subscribe = (onStoreChange: () => void): (() => void) => {
    this.#listeners.add(onStoreChange);
    if (this.#listeners.size === 1) {
      this.#unsubscribeClient = this.#client.subscribe((event) => this.#onEvent(event));
      // A mounted hook is a reader: this fetches when nothing is cached, and marks the key as read.
      this.#load(false).catch(() => undefined);
    }
    return () => {
      if (!this.#listeners.delete(onStoreChange) || this.#listeners.size > 0) return;
      this.#unsubscribeClient?.();
      this.#unsubscribeClient = undefined;
      this.#clearCutoffCheck();
    };
  };

  readonly getSnapshot = (): TokenState => {
    const token = this.#client.destroyed ? null : this.#client.peekToken(this.#key);
    // A token that ran out without an event (a refresh that could not happen) reads as loading
    // until the cutoff check has asked the client again.
    const next: TokenState =
      token !== null
        ? { token, status: 'ready', error: null, refresh: this.refresh }
        : { token: null, status: this.#status === 'ready' ? 'loading' : this.#status, error: this.#error, refresh: this.refresh };
    const current = this.#snapshot;
    if (current.token === next.token && current.status === next.status && current.error === next.error) return current;
    this.#snapshot = next;
    return this.#snapshot;
  };

  readonly getServerSnapshot = (): TokenState => this.#serverSnapshot;

  #load(force: boolean): Promise<string | null> {
    const generation = ++this.#generation;
    // Keeps showing a token that is still usable (a forced refresh); anything else shows loading,
    // including a token that just reached its cutoff, which the cached snapshot may still hold.
    this.#set(this.#status === 'ready' ? 'ready' : 'loading', null);
    const pending = this.#client.getToken(force ? { ...this.#key, skipCache: true } : this.#key);
    pending.then(
      (token) => {
        if (generation !== this.#generation) return;
        if (token === null) this.#set('signed-out', null);
        else this.#set('ready', null);
      },
      (error: unknown) => {
        if (generation !== this.#generation) return;
        this.#set(OfflineError.is(error) ? 'offline' : 'error', asError(error));
      },
    );
    return pending;
  }

  #onEvent(event: TokenEvent): void {
    switch (event.type) {
      case 'token':
        if (keyId(event.key) !== this.#keyId) return;
        this.#set('ready', null);
        // Reading keeps the key refreshing proactively while it is on screen; an unread key would
        // be let go after one lifetime. Deferred so the engine finishes its own bookkeeping first.
        queueMicrotask(() => {
          if (this.#listeners.size > 0 && !this.#client.destroyed) this.#client.getToken(this.#key).catch(() => undefined);
        });
        return;
      case 'signed-out':
      case 'cleared':
        // Every key of the client is gone; answers still in flight belong to the old session.
        this.#generation++;
        this.#set('signed-out', null);
        return;
      case 'online':
        if (this.#status === 'offline') this.#load(false).catch(() => undefined);
        return;
      default:
        return;
    }
  }

  #set(status: TokenlessStatus | 'ready', error: Error | null): void {
    this.#status = status;
    this.#error = error;
    this.#notifyIfChanged();
    this.#planCutoffCheck();
  }

  #notifyIfChanged(): void {
    const before = this.#snapshot;
    if (this.getSnapshot() === before) return;
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * The client emits nothing when a token simply runs out (for example offline, where no refresh
   * can start), so the store looks again at the token's cutoff.
   */
  #planCutoffCheck(): void {
    this.#clearCutoffCheck();
    // Whenever a token is on screen, whatever the last answer was (a failed forced refresh leaves one).
    if (this.#listeners.size === 0 || this.#client.destroyed || this.#snapshot.token === null) return;
    const snapshot = this.#client.snapshot();
    const entry = snapshot.entries.find((candidate) => keyId(candidate.key) === this.#keyId);
    if (entry?.cutoffAt === undefined) return;
    // At least 1 ms, so a check that lands on the cutoff itself cannot spin.
    const delay = Math.max(1, entry.cutoffAt - snapshot.now);
    this.#cutoffTimer = timers.set(() => {
      this.#cutoffTimer = undefined;
      if (this.#listeners.size === 0 || this.#client.peekToken(this.#key) !== null) return this.#planCutoffCheck();
      this.#load(false).catch(() => undefined);
    }, delay);
  }

  #clearCutoffCheck(): void {
    if (this.#cutoffTimer === undefined) return;
    timers.clear(this.#cutoffTimer);
    this.#cutoffTimer = undefined;
  }
}
