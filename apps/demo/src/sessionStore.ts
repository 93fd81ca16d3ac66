/** The signed-in session as the page remembers it. The cookie stays HttpOnly; only the id is here. */
export interface DemoSession {
  sessionId: string;
  userId: string;
}

export const SESSION_STORAGE_KEY = 'tokenwarden-demo:session';

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
interface StorageEventSource {
  addEventListener(type: 'storage', listener: (event: { key: string | null; newValue: string | null }) => void): void;
  removeEventListener(type: 'storage', listener: (event: { key: string | null; newValue: string | null }) => void): void;
}

/**
 * Keeps the session id in `localStorage`, so a second tab of the page ("open another tab") joins
 * the same session, and a sign-in or sign-out in one tab reaches the others (`storage` events).
 */
export class SessionStore {
  readonly #storage: StorageLike;
  readonly #events: StorageEventSource | undefined;

  constructor(storage: StorageLike, events?: StorageEventSource) {
    this.#storage = storage;
    this.#events = events;
  }

  load(): DemoSession | null {
    return parse(this.#storage.getItem(SESSION_STORAGE_KEY));
  }

  save(session: DemoSession): void {
    this.#storage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
  }

  clear(): void {
    this.#storage.removeItem(SESSION_STORAGE_KEY);
  }

  /** Another tab changed the session. Returns the unsubscribe function. */
  onChange(listener: (session: DemoSession | null) => void): () => void {
    const events = this.#events;
    if (!events) return () => undefined;
    const onStorage = (event: { key: string | null; newValue: string | null }): void => {
      // `key === null`: the other tab cleared all of storage.
      if (event.key === SESSION_STORAGE_KEY || event.key === null) listener(parse(event.newValue));
    };
    events.addEventListener('storage', onStorage);
    return () => events.removeEventListener('storage', onStorage);
  }
}

function parse(raw: string | null): DemoSession | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as Partial<DemoSession> | null;
    return typeof value?.sessionId === 'string' && typeof value.userId === 'string' ? { sessionId: value.sessionId, userId: value.userId } : null;
  } catch {
    return null;
  }
}
