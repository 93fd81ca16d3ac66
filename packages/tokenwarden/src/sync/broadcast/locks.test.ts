import { describe, expect, it } from 'vitest';
import { type LockManagerLike, requestLock } from './locks';
import { InMemoryLocks } from './testing';

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('requestLock over a Web Locks-shaped manager', () => {
  it('holds the lock until released; ifAvailable answers undefined meanwhile; released twice is harmless', async () => {
    const locks = new InMemoryLocks();
    const release = await requestLock(locks.manager('a'), 'k', { ifAvailable: true });
    expect(release).toBeTypeOf('function');
    expect(locks.holder('k')).toBe('a');
    expect(await requestLock(locks.manager('b'), 'k', { ifAvailable: true })).toBeUndefined();
    release?.();
    release?.();
    await flush();
    expect(locks.holder('k')).toBeUndefined();
    expect(await requestLock(locks.manager('b'), 'k', { ifAvailable: true })).toBeTypeOf('function');
  });

  it('queues a plain request until the holder lets go, and a closed tab lets go of everything', async () => {
    const locks = new InMemoryLocks();
    await requestLock(locks.manager('a'), 'k', {});
    let granted = false;
    const queued = requestLock(locks.manager('b'), 'k', {}).then((release) => {
      granted = true;
      return release;
    });
    await flush();
    expect(granted).toBe(false);
    locks.closeTab('a');
    expect(await queued).toBeTypeOf('function');
    expect(locks.holder('k')).toBe('b');
  });

  it('rejects a queued request when its signal aborts, and the queue forgets it', async () => {
    const locks = new InMemoryLocks();
    const release = await requestLock(locks.manager('a'), 'k', {});
    const controller = new AbortController();
    const queued = requestLock(locks.manager('b'), 'k', { signal: controller.signal });
    controller.abort(new Error('gave up'));
    await expect(queued).rejects.toThrow('gave up');
    release?.();
    await flush();
    expect(locks.holder('k')).toBeUndefined();
  });

  it('rejects when the manager throws (SecurityError in an opaque origin)', async () => {
    const throwing: LockManagerLike = {
      request: () => {
        throw new DOMException('denied', 'SecurityError');
      },
    };
    await expect(requestLock(throwing, 'k', { ifAvailable: true })).rejects.toThrow('denied');
  });
});
