import { describe, expect, it } from 'vitest';
import { SESSION_STORAGE_KEY, SessionStore, type DemoSession } from './sessionStore';

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

function storageEvents() {
  type Listener = (event: { key: string | null; newValue: string | null }) => void;
  const listeners = new Set<Listener>();
  return {
    addEventListener: (_type: 'storage', listener: Listener) => void listeners.add(listener),
    removeEventListener: (_type: 'storage', listener: Listener) => void listeners.delete(listener),
    fire: (key: string | null, newValue: string | null) => listeners.forEach((listener) => listener({ key, newValue })),
    get size() {
      return listeners.size;
    },
  };
}

describe('SessionStore', () => {
  it('round-trips the session and forgets it on clear', () => {
    const storage = memoryStorage();
    const store = new SessionStore(storage);
    expect(store.load()).toBeNull();
    store.save({ sessionId: 'sess_1', userId: 'user_dev' });
    expect(new SessionStore(storage).load()).toEqual({ sessionId: 'sess_1', userId: 'user_dev' });
    store.clear();
    expect(store.load()).toBeNull();
  });

  it('treats anything malformed as signed out', () => {
    const storage = memoryStorage();
    const store = new SessionStore(storage);
    for (const raw of ['not json', 'null', '{"sessionId":1,"userId":"u"}', '{"userId":"u"}']) {
      storage.items.set(SESSION_STORAGE_KEY, raw);
      expect(store.load()).toBeNull();
    }
  });

  it('hears sign-in and sign-out from other tabs, and only for its key', () => {
    const events = storageEvents();
    const store = new SessionStore(memoryStorage(), events);
    const heard: Array<DemoSession | null> = [];
    const unsubscribe = store.onChange((session) => heard.push(session));
    events.fire(SESSION_STORAGE_KEY, JSON.stringify({ sessionId: 'sess_2', userId: 'u' }));
    events.fire('other-key', 'x');
    events.fire(SESSION_STORAGE_KEY, null);
    events.fire(null, null);
    expect(heard).toEqual([{ sessionId: 'sess_2', userId: 'u' }, null, null]);
    unsubscribe();
    expect(events.size).toBe(0);
  });
});
