/**
 * The few browser globals the browser-only peers touch, installed once in this Node process so that
 * every library runs side by side in the same process. Each is the smallest faithful stand-in:
 *
 * | global | stand-in | who needs it |
 * | --- | --- | --- |
 * | `window` (= `globalThis`), `self` | `globalThis` with EventTarget methods | Auth0, keycloak-js, Supabase (browser mode), tokenwarden (online events) |
 * | `window.location`, `history` | fixed `http://127.0.0.1/` page, `replaceState` no-op | Auth0 (redirect_uri), keycloak-js (callback parsing) |
 * | `document` | `cookie` jar, `visibilityState: 'visible'`, events | Auth0 (`auth0.is.authenticated` cookie), Supabase (visibility), tokenwarden (wake) |
 * | `navigator.onLine`, online/offline events | driven by `NetworkSimulator` | tokenwarden, Supabase |
 * | `navigator.locks` | in-process exclusive FIFO lock (Web Locks subset) | Auth0 (else it falls back to a localStorage polling lock) |
 * | `localStorage`, `sessionStorage` | Map-backed `Storage` | Auth0 (transactions), keycloak-js, oidc-client-ts |
 * | `isSecureContext` | `true` (the page would be served over https) | keycloak-js |
 * | `Promise.withResolvers` | ES2024 polyfill (every current browser has it; Node 20 does not) | keycloak-js |
 * | `crypto`, `fetch`, `atob`, `TextEncoder`, `BroadcastChannel` | Node 20's own | all |
 */

class MemoryStorage {
  #items = new Map<string, string>();
  get length(): number {
    return this.#items.size;
  }
  key(index: number): string | null {
    return [...this.#items.keys()][index] ?? null;
  }
  getItem(key: string): string | null {
    return this.#items.get(String(key)) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(String(key), String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(String(key));
  }
  clear(): void {
    this.#items.clear();
  }
}

/** `Object.keys(localStorage)` must list the items, as in a browser (Auth0 and keycloak-js rely on it). */
function storage(): Storage {
  const backing = new MemoryStorage();
  return new Proxy(backing, {
    ownKeys: () => Array.from({ length: backing.length }, (_, i) => backing.key(i) as string),
    getOwnPropertyDescriptor: (_target, key) =>
      typeof key === 'string' && backing.getItem(key) !== null
        ? { value: backing.getItem(key), enumerable: true, configurable: true, writable: true }
        : undefined,
    get: (target, key) => {
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as unknown as Storage;
}

/** Web Locks, exclusive mode only: enough for "one refresh at a time" in one tab. */
class InProcessLocks {
  #tails = new Map<string, Promise<void>>();
  async request<T>(name: string, optionsOrCallback: unknown, maybeCallback?: (lock: { name: string }) => Promise<T>): Promise<T> {
    const callback = (typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback) as (lock: { name: string }) => Promise<T>;
    const options = (typeof optionsOrCallback === 'object' && optionsOrCallback) as { signal?: AbortSignal; ifAvailable?: boolean } | false;
    const previous = this.#tails.get(name);
    if (options && options.ifAvailable && previous) return callback(null as unknown as { name: string });
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = (previous ?? Promise.resolve()).then(() => mine);
    this.#tails.set(name, tail);
    try {
      if (previous) {
        const signal = options ? options.signal : undefined;
        await new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(new DOMException('Aborted', 'AbortError'));
          signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')), { once: true });
          previous.then(resolve, resolve);
        });
      }
      return await callback({ name });
    } finally {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    }
  }
  async query(): Promise<{ held: unknown[]; pending: unknown[] }> {
    return { held: [], pending: [] };
  }
}

function cookieJar(): { get(): string; set(value: string): void } {
  const jar = new Map<string, string>();
  return {
    get: () => [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
    set(value: string) {
      const [pair = '', ...attributes] = value.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const cookieValue = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now()) ||
        attributes.some((a) => /^\s*max-age=\s*(-|0)/i.test(a));
      if (expired || cookieValue === '') jar.delete(name);
      else jar.set(name, cookieValue);
    },
  };
}

export const PAGE_ORIGIN = 'http://127.0.0.1';

let installed = false;

export function installBrowserGlobals(): void {
  if (installed) return;
  installed = true;
  const g = globalThis as Record<string, unknown>;
  const events = new EventTarget();
  g['addEventListener'] = events.addEventListener.bind(events);
  g['removeEventListener'] = events.removeEventListener.bind(events);
  g['dispatchEvent'] = events.dispatchEvent.bind(events);
  const PromiseWith = Promise as unknown as { withResolvers?: () => unknown };
  PromiseWith.withResolvers ??= () => {
    let resolve!: (value: unknown) => void;
    let reject!: (reason: unknown) => void;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
  g['window'] = globalThis;
  g['self'] = globalThis;
  g['isSecureContext'] = true;
  g['location'] = new URL(`${PAGE_ORIGIN}/`);
  g['history'] = { state: null, replaceState: () => undefined, pushState: () => undefined };
  g['localStorage'] = storage();
  g['sessionStorage'] = storage();

  const documentEvents = new EventTarget();
  const cookies = cookieJar();
  const document = {
    visibilityState: 'visible',
    hidden: false,
    readyState: 'complete',
    baseURI: `${PAGE_ORIGIN}/`,
    addEventListener: documentEvents.addEventListener.bind(documentEvents),
    removeEventListener: documentEvents.removeEventListener.bind(documentEvents),
    dispatchEvent: documentEvents.dispatchEvent.bind(documentEvents),
    hasFocus: () => true,
    createElement: (tag: string) => {
      throw new Error(`bench: no DOM here (a library tried to create <${tag}>)`);
    },
  };
  Object.defineProperty(document, 'cookie', { get: cookies.get, set: cookies.set, enumerable: true });
  g['document'] = document;

  Object.defineProperty(globalThis, 'navigator', {
    value: { onLine: true, userAgent: 'Mozilla/5.0 (tokenwarden-bench) Node', language: 'en', languages: ['en'], locks: new InProcessLocks(), cookieEnabled: true },
    configurable: true,
    writable: true,
  });
}
