import { describe, expect, it } from 'vitest';
import { localStorageStore, type WebLocksLike } from './localStorageStore';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
    items,
  };
}

/** Exclusive named locks, as navigator.locks grants them (FIFO per name), recording the names. */
function fakeLocks(): WebLocksLike & { names: string[] } {
  const tails = new Map<string, Promise<unknown>>();
  const names: string[] = [];
  return {
    names,
    request(name, _options, callback) {
      names.push(name);
      const run = (tails.get(name) ?? Promise.resolve()).then(callback);
      tails.set(name, run.catch(() => undefined));
      return run;
    },
  };
}

describe('localStorageStore', () => {
  it('keeps the token under tokenwarden:refresh:<name>; set(null) removes it', () => {
    const storage = memoryStorage();
    const store = localStorageStore('app', { storage, locks: fakeLocks() });
    store.set('rt-1');
    expect(storage.items.get('tokenwarden:refresh:app')).toBe('rt-1');
    expect(store.get()).toBe('rt-1');
    store.set(null);
    expect(storage.items.has('tokenwarden:refresh:app')).toBe(false);
  });

  it('two stores of one name (two tabs) rotate under one Web Lock, one after the other', async () => {
    const storage = memoryStorage();
    const locks = fakeLocks();
    const tabA = localStorageStore('app', { storage, locks });
    const tabB = localStorageStore('app', { storage, locks });
    tabA.set('rt-0');
    const sent: string[] = [];
    const rotate = (store: typeof tabA) => async () => {
      const current = (await store.get())!;
      sent.push(current);
      await new Promise((resolve) => setTimeout(resolve, 1));
      await store.set(`rt-${Number(current.slice(3)) + 1}`);
    };
    const never = new AbortController().signal;
    await Promise.all([tabA.lock!(rotate(tabA), never), tabB.lock!(rotate(tabB), never), tabA.lock!(rotate(tabA), never)]);
    expect(sent).toEqual(['rt-0', 'rt-1', 'rt-2']);
    expect(locks.names).toEqual(['tokenwarden:refresh:app', 'tokenwarden:refresh:app', 'tokenwarden:refresh:app']);
  });

  it('without Web Locks it still serializes the rotations of its own page', async () => {
    const store = localStorageStore('solo', { storage: memoryStorage(), locks: undefined });
    const order: string[] = [];
    const never = new AbortController().signal;
    await Promise.all([
      store.lock!(async () => {
        order.push('a-start');
        await new Promise((resolve) => setTimeout(resolve, 2));
        order.push('a-end');
      }, never),
      store.lock!(async () => void order.push('b'), never),
    ]);
    expect(order).toEqual(['a-start', 'a-end', 'b']);
  });
});
