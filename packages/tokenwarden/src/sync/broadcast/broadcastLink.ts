import { keyId } from '../../keys';
import type { AcquireContext, CoordinatorHost, CoordinatorLink, TimerProvider, TokenKey, TokenRecord } from '../../types';
import { admitSharedToken } from './admission';
import type { ChannelLike, ChannelMessage } from './channel';
import { countHolders, type LockManagerLike, type ReleaseLock, requestLock } from './locks';
import { readMessage, requestMessage, signedOutMessage, tokenMessage } from './messages';
import { lockName, presenceName } from './names';

export interface BroadcastLinkSettings {
  namespace: string;
  sessionId: () => string | undefined;
  waitTimeout: number;
  handoverDelay: number;
  askTimeout: number;
  timers: TimerProvider;
  channel: ChannelLike | undefined;
  locks: LockManagerLike | undefined;
}

/** The refresh right this tab holds for one key. */
interface Holding {
  /** This tab shared a token while holding it: hand over only once that message has had time to land. */
  published: boolean;
}

function noop(): void {}

function randomId(): string {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  let id = '';
  for (const byte of bytes) id += byte.toString(16).padStart(2, '0');
  return id;
}

/**
 * One client's connection to the other tabs of its namespace: shares what it fetches, adopts what
 * they fetch (through the client's own door, `host.offer`), takes the per-key Web Lock before
 * fetching, and relays sign-outs. Never throws at the client and never makes it wait without bound.
 */
export class BroadcastLink implements CoordinatorLink {
  readonly #host: CoordinatorHost;
  readonly #settings: BroadcastLinkSettings;
  readonly #channel: ChannelLike | undefined;
  /** Per key id: the tabs-side waits to wake when another tab's token for that key is adopted. */
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #holdings = new Map<string, Holding>();
  /** This tab's server-clock ms when it applied its last sign-out (its own or another tab's); 0 = none. */
  #signedOutAt = 0;
  /** Id of the last sign-out applied here; '' = none. */
  #lastSignOut = '';
  /** Ids of sign-outs already applied: each message signs out once, however often it is heard. */
  readonly #seenSignOuts = new Set<string>();
  #closed = false;
  /** This tab's hold on the namespace's presence lock (so other tabs know to ask it). */
  #presence: ReleaseLock | undefined;
  /** Settles once the presence lock is held (or could not be): a first fetch right at start-up waits for it. */
  #presenceReady: Promise<void> = Promise.resolve();

  constructor(host: CoordinatorHost, settings: BroadcastLinkSettings) {
    this.#host = host;
    this.#settings = settings;
    let channel = settings.channel;
    try {
      channel?.addEventListener('message', this.#onMessage);
    } catch (error) {
      channel = undefined;
      host.emit({ type: 'coordinator-degraded', error });
    }
    this.#channel = channel;
    if (channel && settings.locks && settings.askTimeout > 0) {
      this.#presenceReady = requestLock(settings.locks, presenceName(settings.namespace), { mode: 'shared' }).then(
        (release) => {
          if (this.#closed) release?.();
          else this.#presence = release;
        },
        // Without presence, this tab is simply never asked and never asks: it fetches for itself.
        noop,
      );
    }
  }

  async acquire(key: TokenKey, signal: AbortSignal, context?: AcquireContext): Promise<() => void> {
    if (signal.aborted) throw signal.reason;
    const locks = this.#settings.locks;
    if (!locks || this.#closed) return noop;
    const id = keyId(key);
    // A tab opened next to others asks them before its first fetch of a key: N tabs, one request.
    if (context?.reason === 'cold' && (await this.#askOtherTabs(id, key, locks, signal))) return noop;
    const name = lockName(this.#settings.namespace, key);
    let release: ReleaseLock | undefined;
    try {
      release = await requestLock(locks, name, { ifAvailable: true });
    } catch (error) {
      // e.g. SecurityError in an opaque origin: coordination is an optimisation, fetch locally.
      this.#degraded(error);
      return noop;
    }
    if (signal.aborted) {
      release?.();
      throw signal.reason;
    }
    if (release) return this.#hold(id, release, signal);
    return this.#waitForLeader(id, name, locks, signal);
  }

  publish(key: TokenKey, record: TokenRecord): void {
    if (this.#closed || !this.#channel) return;
    const holding = this.#holdings.get(keyId(key));
    if (holding) holding.published = true;
    try {
      this.#channel.postMessage(tokenMessage(this.#settings.namespace, key, record, this.#sessionId(), this.#lastSignOut));
    } catch (error) {
      // The token stays cached and served here; only the sharing failed.
      this.#degraded(error);
    }
  }

  invalidate(): void {
    if (this.#closed) return;
    const id = randomId();
    this.#applied(id);
    if (!this.#channel) return;
    try {
      this.#channel.postMessage(signedOutMessage(this.#settings.namespace, id));
    } catch (error) {
      this.#degraded(error);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#presence?.();
    if (this.#channel) {
      try {
        this.#channel.removeEventListener('message', this.#onMessage);
        this.#channel.close();
      } catch {
        // Closing is best effort; the tab is going away.
      }
    }
    for (const waiters of [...this.#waiters.values()]) for (const wake of [...waiters]) wake();
  }

  /**
   * When other tabs are open (the presence lock has other holders), posts a request for `key` and
   * waits up to `askTimeout` for one of them to answer with a token this tab adopts. True when one
   * was adopted (the client then finds it and skips its fetch). A lone tab never waits.
   */
  async #askOtherTabs(id: string, key: TokenKey, locks: LockManagerLike, signal: AbortSignal): Promise<boolean> {
    const { askTimeout, namespace, timers } = this.#settings;
    if (!this.#channel || askTimeout <= 0) return false;
    // Shared mode is granted at once; waiting for it keeps a fetch at start-up from missing the count.
    await this.#presenceReady;
    if (!this.#presence || signal.aborted || this.#closed) return false;
    if ((await countHolders(locks, presenceName(namespace))) < 2 || signal.aborted || this.#closed) return false;
    try {
      this.#channel.postMessage(requestMessage(namespace, key));
    } catch (error) {
      this.#degraded(error);
      return false;
    }
    return new Promise((resolve) => {
      const finish = (adopted: boolean) => {
        timers.clearTimeout(timer);
        this.#removeWaiter(id, onToken);
        signal.removeEventListener('abort', onAbort);
        resolve(adopted);
      };
      const onToken = () => finish(true);
      const onAbort = () => finish(false);
      const timer = timers.setTimeout(() => finish(false), askTimeout);
      this.#addWaiter(id, onToken);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Holds the lock for one attempt: until the client releases it, or the attempt is aborted (timeout, clear). */
  #hold(id: string, release: ReleaseLock, signal: AbortSignal): () => void {
    const holding: Holding = { published: false };
    this.#holdings.set(id, holding);
    let done = false;
    const finish = (handover: boolean) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', onAbort);
      if (this.#holdings.get(id) === holding) this.#holdings.delete(id);
      // Released at once, a tab could take the lock before our token message reaches it and fetch
      // again; kept a moment longer, it queues behind us and hears the message instead.
      if (handover && this.#settings.handoverDelay > 0) this.#settings.timers.setTimeout(release, this.#settings.handoverDelay);
      else release();
    };
    const onAbort = () => finish(false);
    signal.addEventListener('abort', onAbort, { once: true });
    return () => finish(holding.published);
  }

  /**
   * Another tab holds the key's lock, so it is refreshing. Resolves when its token is adopted (the
   * client then finds it and skips the fetch), when the lock comes free (the leader finished, failed
   * or its tab closed: our turn, and the client re-checks its cache first), or after `waitTimeout`
   * (a stuck leader: fetch without the lock). Rejects only when the attempt itself is aborted.
   */
  #waitForLeader(id: string, name: string, locks: LockManagerLike, signal: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      const queued = new AbortController();
      let settled = false;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        this.#settings.timers.clearTimeout(timer);
        this.#removeWaiter(id, wake);
        signal.removeEventListener('abort', onAbort);
        queued.abort();
        outcome();
      };
      const wake = () => settle(() => resolve(noop));
      const onAbort = () => settle(() => reject(signal.reason));
      const timer = this.#settings.timers.setTimeout(wake, this.#settings.waitTimeout);
      this.#addWaiter(id, wake);
      signal.addEventListener('abort', onAbort, { once: true });
      requestLock(locks, name, { signal: queued.signal }).then(
        (release) => {
          if (!release) return;
          if (settled) release();
          else settle(() => resolve(this.#hold(id, release, signal)));
        },
        // Our own abort after settling, or a failing lock manager: either way the bound still holds.
        noop,
      );
    });
  }

  /** Another tab asked for `key`: post the token this tab serves for it, if any (never a stale one). */
  #answer(key: TokenKey): void {
    if (!this.#channel) return;
    let record: TokenRecord | null = null;
    try {
      record = this.#host.peek(key);
    } catch {
      record = null;
    }
    if (record === null) return;
    try {
      this.#channel.postMessage(tokenMessage(this.#settings.namespace, key, record, this.#sessionId(), this.#lastSignOut));
    } catch (error) {
      this.#degraded(error);
    }
  }

  readonly #onMessage = (event: ChannelMessage): void => {
    if (this.#closed) return;
    const message = readMessage(event?.data, this.#settings.namespace);
    if (!message) return;
    if (message.type === 'request') {
      this.#answer(message.key);
      return;
    }
    if (message.type === 'signed-out') {
      // Heard before (a relay, a replay): applying it again could sign out a newer session.
      if (this.#seenSignOuts.has(message.id)) return;
      this.#applied(message.id);
      this.#host.signOut();
      return;
    }
    const admission = admitSharedToken(message, {
      now: this.#host.now(),
      minValidityMs: this.#host.minValidity * 1000,
      sessionId: this.#sessionId(),
      signedOutAt: this.#signedOutAt,
      lastSignOut: this.#lastSignOut,
    });
    if (!admission.ok) return;
    let accepted = false;
    try {
      const { token, expiresAt, issuedAt } = admission.record;
      // The sender had applied our latest sign-out when it posted: its token is from after it.
      const afterSignOut = this.#lastSignOut !== '' && message.signOut === this.#lastSignOut;
      accepted = this.#host.offer(message.key, { token, expiresAt, issuedAt, afterSignOut });
    } catch (error) {
      this.#degraded(error);
    }
    // Adopted tokens are never posted again: only tokens this tab fetched itself are published.
    if (accepted) for (const wake of [...(this.#waiters.get(keyId(message.key)) ?? [])]) wake();
  };

  /** Records a sign-out as applied, stamped with this tab's own clock (never the sender's). */
  #applied(id: string): void {
    this.#seenSignOuts.add(id);
    if (this.#seenSignOuts.size > 64) this.#seenSignOuts.delete(this.#seenSignOuts.values().next().value as string);
    this.#lastSignOut = id;
    this.#signedOutAt = this.#host.now();
  }

  #sessionId(): string | undefined {
    try {
      const sid = this.#settings.sessionId();
      return typeof sid === 'string' ? sid : undefined;
    } catch {
      return undefined;
    }
  }

  #addWaiter(id: string, wake: () => void): void {
    let waiters = this.#waiters.get(id);
    if (!waiters) this.#waiters.set(id, (waiters = new Set()));
    waiters.add(wake);
  }

  #removeWaiter(id: string, wake: () => void): void {
    const waiters = this.#waiters.get(id);
    if (!waiters?.delete(wake) || waiters.size > 0) return;
    this.#waiters.delete(id);
  }

  #degraded(error: unknown): void {
    try {
      this.#host.emit({ type: 'coordinator-degraded', error });
    } catch {
      // A host that cannot hear us still must not break.
    }
  }
}
