/**
 * What closing a browser tab does to a library that offers no way to stop itself: its timers stop,
 * its BroadcastChannels close, its window/document listeners go away.
 *
 * `capture(fn)` runs `fn` (a library's start-up) with the global timer functions, `BroadcastChannel`
 * and `addEventListener` of `window`/`document` swapped for tracking wrappers. A wrapper the library
 * keeps (e.g. `setTimeout.bind(globalThis)` taken at start-up) stays tied to this page; each call
 * still goes to whatever the global is at that moment (so the virtual clock applies). `close()`
 * clears every timer set through the page, closes its channels, removes its listeners, and turns
 * the kept wrappers into no-ops. Only one library starts up at a time in the benchmark, so swapping
 * globals for the length of a start-up is safe.
 */

type Timer = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => unknown;
type Clear = (handle: unknown) => void;
type Listen = (type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions) => void;

interface Target {
  addEventListener: Listen;
  removeEventListener: Listen;
}

export interface PageScope {
  capture<T>(start: () => Promise<T>): Promise<T>;
  close(): void;
}

export function pageScope(): PageScope {
  let closed = false;
  const timers = new Set<unknown>();
  const intervals = new Set<unknown>();
  const channels = new Set<BroadcastChannel>();
  const listeners: Array<{ target: Target; args: Parameters<Listen> }> = [];
  const g = globalThis as unknown as Record<string, unknown>;

  /** The platform's (or the virtual clock's) function of that name right now, not our wrapper. */
  const saved = new Map<string, unknown>();
  const current = <F>(name: string): F => (saved.get(name) ?? g[name]) as F;

  const setTimeoutScoped: Timer = (callback, ms, ...args) => {
    if (closed) return undefined;
    const handle = current<Timer>('setTimeout')(
      (...callbackArgs: unknown[]) => {
        timers.delete(handle);
        if (!closed) callback(...callbackArgs);
      },
      ms,
      ...args,
    );
    timers.add(handle);
    return handle;
  };
  const setIntervalScoped: Timer = (callback, ms, ...args) => {
    if (closed) return undefined;
    const handle = current<Timer>('setInterval')((...callbackArgs: unknown[]) => !closed && callback(...callbackArgs), ms, ...args);
    intervals.add(handle);
    return handle;
  };
  const clearTimeoutScoped: Clear = (handle) => {
    timers.delete(handle);
    current<Clear>('clearTimeout')(handle);
  };
  const clearIntervalScoped: Clear = (handle) => {
    intervals.delete(handle);
    current<Clear>('clearInterval')(handle);
  };
  const NativeChannel = globalThis.BroadcastChannel;
  class ScopedChannel extends NativeChannel {
    constructor(name: string) {
      super(name);
      channels.add(this);
    }
  }
  const document = g['document'] as Target | undefined;
  const window = g['window'] as Target | undefined;
  const trackingListen = (target: Target, native: Listen): Listen => (...args) => {
    listeners.push({ target, args });
    native.apply(target, args);
  };

  return {
    async capture(start) {
      const swaps: Array<[Record<string, unknown>, string, unknown]> = [
        [g, 'setTimeout', setTimeoutScoped],
        [g, 'setInterval', setIntervalScoped],
        [g, 'clearTimeout', clearTimeoutScoped],
        [g, 'clearInterval', clearIntervalScoped],
        [g, 'BroadcastChannel', ScopedChannel],
      ];
      if (window) swaps.push([window as unknown as Record<string, unknown>, 'addEventListener', trackingListen(window, window.addEventListener)]);
      if (document) swaps.push([document as unknown as Record<string, unknown>, 'addEventListener', trackingListen(document, document.addEventListener)]);
      const originals = swaps.map(([owner, name]) => owner[name]);
      for (const [owner, name, value] of swaps) {
        if (owner === g && name !== 'BroadcastChannel') saved.set(name, g[name]);
        owner[name] = value;
      }
      try {
        return await start();
      } finally {
        swaps.forEach(([owner, name], i) => (owner[name] = originals[i]));
        saved.clear();
      }
    },
    close() {
      if (closed) return;
      closed = true;
      for (const handle of timers) current<Clear>('clearTimeout')(handle);
      for (const handle of intervals) current<Clear>('clearInterval')(handle);
      timers.clear();
      intervals.clear();
      for (const channel of channels) channel.close();
      channels.clear();
      for (const { target, args } of listeners.splice(0)) target.removeEventListener(...args);
    },
  };
}
