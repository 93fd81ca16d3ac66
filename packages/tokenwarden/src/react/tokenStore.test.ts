import { describe, expect, it, vi } from 'vitest';
import type { TokenClient } from '../client';
import { OfflineError } from '../errors';
import type { TokenEventListener } from '../events';
import { TokenStore } from './tokenStore';

/** A client whose getToken answers are released by hand, to order them at will. */
function manualClient() {
  const pending: Array<{ resolve(token: string | null): void; reject(error: unknown): void }> = [];
  const listeners = new Set<TokenEventListener>();
  let cached: string | null = null;
  const client = {
    destroyed: false,
    getToken: vi.fn(
      () =>
        new Promise<string | null>((resolve, reject) => {
          pending.push({
            resolve: (token) => {
              cached = token;
              resolve(token);
            },
            reject,
          });
        }),
    ),
    peekToken: () => cached,
    subscribe: (listener: TokenEventListener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    snapshot: () => ({ now: 0, serverOffset: 0, online: true, entries: [] }),
  } as unknown as TokenClient;
  return { client, pending, listeners };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('TokenStore', () => {
  it('returns the same snapshot object until token, status or error change', () => {
    const { client } = manualClient();
    const store = new TokenStore(client, {});
    const first = store.getSnapshot();
    expect(store.getSnapshot()).toBe(first);
    expect(store.getServerSnapshot()).toBe(store.getServerSnapshot());
    expect(first).toMatchObject({ token: null, status: 'loading', error: null });
  });

  it('never lets an older answer overwrite a newer one', async () => {
    const { client, pending } = manualClient();
    const store = new TokenStore(client, {});
    const unsubscribe = store.subscribe(() => undefined);
    void store.refresh().catch(() => undefined);
    expect(pending).toHaveLength(2);
    // The newer request (refresh) says offline; the older one (mount) then comes back signed out.
    pending[1]?.reject(new OfflineError());
    await tick();
    pending[0]?.resolve(null);
    await tick();
    expect(store.getSnapshot().status).toBe('offline');
    unsubscribe();
  });

  it('ignores answers that were in flight when the client signed out', async () => {
    const { client, pending, listeners } = manualClient();
    const store = new TokenStore(client, {});
    const unsubscribe = store.subscribe(() => undefined);
    for (const listener of listeners) listener({ type: 'signed-out' });
    pending[0]?.reject(new OfflineError());
    await tick();
    expect(store.getSnapshot().status).toBe('signed-out');
    unsubscribe();
  });

  it('subscribes to the client once for many listeners and lets go with the last', () => {
    const { client, listeners } = manualClient();
    const store = new TokenStore(client, {});
    const a = store.subscribe(() => undefined);
    const b = store.subscribe(() => undefined);
    expect(listeners.size).toBe(1);
    expect(client.getToken).toHaveBeenCalledTimes(1);
    a();
    expect(listeners.size).toBe(1);
    b();
    expect(listeners.size).toBe(0);
  });

  it('wraps a non-Error failure so error is always an Error', async () => {
    const { client, pending } = manualClient();
    const store = new TokenStore(client, {});
    const unsubscribe = store.subscribe(() => undefined);
    pending[0]?.reject('nope');
    await tick();
    const { status, error } = store.getSnapshot();
    expect(status).toBe('error');
    expect(error).toBeInstanceOf(Error);
    expect(error?.cause).toBe('nope');
    unsubscribe();
  });
});
