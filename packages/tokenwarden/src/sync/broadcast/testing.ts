/**
 * In-memory stand-ins for `BroadcastChannel` and `navigator.locks`, with the semantics the
 * coordinator relies on: messages are structured-cloned and delivered in a later task to every
 * other open channel of the same name (never to the sender); exclusive locks are granted in
 * request order, `ifAvailable` answers `null` when held, queued requests honour `signal`, and a
 * closed tab lets go of everything it held. For tests only; not exported from the package.
 */
import type { ChannelFactory, ChannelLike, ChannelMessage } from './channel';
import type { LockManagerLike, LockRequestOptions, LocksFactory } from './locks';

type Listener = (event: ChannelMessage) => void;

/** Later task, via the global looked up at call time so vitest's fake timers drive delivery. */
function later(run: () => void): void {
  globalThis.setTimeout(run, 0);
}

class InMemoryChannel implements ChannelLike {
  readonly listeners = new Set<Listener>();
  closed = false;

  constructor(
    readonly bus: InMemoryBroadcast,
    readonly name: string,
    readonly tab: string,
  ) {}

  postMessage(message: unknown): void {
    if (this.closed) throw new DOMException('BroadcastChannel is closed', 'InvalidStateError');
    this.bus.send(this, message);
  }

  addEventListener(_type: 'message', listener: Listener): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: 'message', listener: Listener): void {
    this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.bus.detach(this);
  }
}

export interface PostedMessage {
  name: string;
  tab: string;
  data: unknown;
}

export class InMemoryBroadcast {
  readonly #channels = new Set<InMemoryChannel>();
  /** Every message posted by a tab (not injected ones), in order. */
  readonly posted: PostedMessage[] = [];
  /** Makes `postMessage` throw, as a closed or broken channel does (DataCloneError, InvalidStateError). */
  failPosts = false;

  /** The channel factory one tab passes to `broadcastCoordinator`. */
  factory(tab: string): ChannelFactory {
    return (name) => {
      const channel = new InMemoryChannel(this, name, tab);
      this.#channels.add(channel);
      return channel;
    };
  }

  send(from: InMemoryChannel, message: unknown): void {
    if (this.failPosts) throw new DOMException('Could not post', 'DataCloneError');
    this.posted.push({ name: from.name, tab: from.tab, data: message });
    this.#deliver(from.name, message, from);
  }

  /** Posts `data` as if from a tab that is not a client (another library, a hostile script). */
  inject(name: string, data: unknown): void {
    this.#deliver(name, data, undefined);
  }

  detach(channel: InMemoryChannel): void {
    this.#channels.delete(channel);
  }

  /** The tab went away: its channels stop hearing and sending. */
  closeTab(tab: string): void {
    for (const channel of [...this.#channels]) if (channel.tab === tab) channel.close();
  }

  /** Open channels (one per connected client that has not closed). */
  get openChannels(): number {
    return this.#channels.size;
  }

  #deliver(name: string, message: unknown, from: InMemoryChannel | undefined): void {
    const copy = structuredClone(message);
    const targets = [...this.#channels].filter((channel) => channel !== from && channel.name === name);
    later(() => {
      for (const channel of targets) {
        if (channel.closed) continue;
        for (const listener of [...channel.listeners]) listener({ data: structuredClone(copy) });
      }
    });
  }
}

interface LockRequest {
  tab: string;
  grant(): void;
  fail(error: unknown): void;
}

interface HeldLock {
  tab: string;
  /** Resolves when the lock is let go. */
  freed: Promise<void>;
  free(): void;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The request was aborted', 'AbortError');
}

export class InMemoryLocks {
  readonly #held = new Map<string, HeldLock>();
  readonly #queues = new Map<string, LockRequest[]>();
  /** Shared-mode holders per name (the coordinator uses shared mode only for tab presence). */
  readonly #shared = new Map<string, Set<string>>();
  /** Every exclusive request: who asked for which lock, and how. */
  readonly requests: Array<{ tab: string; name: string; ifAvailable: boolean }> = [];
  /** Makes `request` throw synchronously, like a `SecurityError` in an opaque origin. */
  failWith: unknown;

  /** The lock-manager factory one tab passes to `broadcastCoordinator`. */
  factory(tab: string): LocksFactory {
    return () => this.manager(tab);
  }

  manager(tab: string): LockManagerLike {
    return {
      request: (name, options, callback) => this.#request(tab, name, options, callback),
      query: async () => ({
        held: [
          ...[...this.#held].map(([name]) => ({ name })),
          ...[...this.#shared].flatMap(([name, tabs]) => [...tabs].map(() => ({ name }))),
        ],
      }),
    };
  }

  /** Which tab holds `name`, if any. */
  holder(name: string): string | undefined {
    return this.#held.get(name)?.tab;
  }

  queued(name: string): number {
    return this.#queues.get(name)?.length ?? 0;
  }

  /** The tab went away: the browser frees its locks and forgets its queued requests. */
  closeTab(tab: string): void {
    for (const [name, queue] of this.#queues) {
      this.#queues.set(
        name,
        queue.filter((request) => request.tab !== tab),
      );
    }
    for (const [name, held] of [...this.#held]) if (held.tab === tab) this.#free(name, held);
    for (const holders of this.#shared.values()) holders.delete(tab);
  }

  #request<T>(tab: string, name: string, options: LockRequestOptions, callback: (lock: unknown) => T | Promise<T>): Promise<T> {
    if (this.failWith !== undefined) throw this.failWith;
    if (options.mode === 'shared') return this.#requestShared(tab, name, callback);
    this.requests.push({ tab, name, ifAvailable: options.ifAvailable === true });
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (options.ifAvailable && (this.#held.has(name) || this.queued(name) > 0)) {
      return Promise.resolve().then(() => callback(null));
    }
    return new Promise<T>((resolve, reject) => {
      const request: LockRequest = {
        tab,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          let free!: () => void;
          const freed = new Promise<void>((done) => {
            free = done;
          });
          const held: HeldLock = { tab, freed, free };
          this.#held.set(name, held);
          const result = Promise.resolve().then(() => callback({ name, mode: 'exclusive' }));
          result.then(resolve, reject);
          // Freed when the callback's promise settles, or earlier when the tab closes.
          void Promise.race([result.then(noop, noop), freed]).then(() => this.#free(name, held));
        },
        fail: reject,
      };
      const onAbort = () => {
        const queue = this.#queues.get(name) ?? [];
        const index = queue.indexOf(request);
        if (index < 0) return;
        queue.splice(index, 1);
        reject(abortError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const queue = this.#queues.get(name) ?? [];
      this.#queues.set(name, queue);
      queue.push(request);
      this.#grantNext(name);
    });
  }

  /** Granted at once (only shared holders of this name ever exist); held until the callback settles. */
  #requestShared<T>(tab: string, name: string, callback: (lock: unknown) => T | Promise<T>): Promise<T> {
    const holders = this.#shared.get(name) ?? new Set<string>();
    this.#shared.set(name, holders);
    holders.add(tab);
    const result = Promise.resolve().then(() => callback({ name, mode: 'shared' }));
    void result.then(noop, noop).then(() => holders.delete(tab));
    return result;
  }

  #free(name: string, held: HeldLock): void {
    if (this.#held.get(name) !== held) return;
    this.#held.delete(name);
    held.free();
    this.#grantNext(name);
  }

  #grantNext(name: string): void {
    if (this.#held.has(name)) return;
    const next = this.#queues.get(name)?.shift();
    next?.grant();
  }
}

function noop(): void {}
