import { describe, expect, it, vi } from 'vitest';
import { manualTimers } from '../../../test/redis/instances';
import type { TokenEvent } from '../../types';
import { readMessage, tokenMessage, unlockMessage } from './messages';
import type { RedisClient } from './redisClient';
import { redisCoordinator } from './redisCoordinator';
import { RedisCoordinatorError } from './redisCoordinatorError';
import { RedisHealth } from './redisHealth';
import { redisNames } from './redisNames';
import { withTimeout } from './withTimeout';

// The parts of the Redis coordinator that need no Redis. Behaviour against a real redis-server is
// in redisCoordinator.test.ts.

const fakeRedis = { eval: vi.fn(), evalsha: vi.fn(), duplicate: vi.fn() } as unknown as RedisClient;

describe('redisCoordinator options', () => {
  it.each([
    ['no client', { namespace: 'a' }, /ioredis or node-redis client/],
    ['a client without scripts', { redis: { duplicate() {} }, namespace: 'a' }, /ioredis or node-redis client/],
    ['an empty namespace', { redis: fakeRedis, namespace: '' }, /non-empty namespace/],
    ['a negative timeout', { redis: fakeRedis, namespace: 'a', timeout: -1 }, /timeout/],
    ['a fractional lockTtl (PX takes whole ms)', { redis: fakeRedis, namespace: 'a', lockTtl: 1.5 }, /lockTtl/],
    ['a zero lockTtl (a lock that never expires)', { redis: fakeRedis, namespace: 'a', lockTtl: 0 }, /lockTtl/],
    ['a non-string keyPrefix', { redis: fakeRedis, namespace: 'a', keyPrefix: 1 }, /keyPrefix/],
  ])('refuses %s', (_, options, message) => {
    expect(() => redisCoordinator(options as never)).toThrow(message);
  });
});

describe('redisNames', () => {
  it('puts every key of a namespace in one Cluster hash slot, behind the prefix, one key per token key', () => {
    const names = redisNames('app:', 'tenant-1');
    expect(names.token({})).toBe('app:tokenwarden:{tenant-1}:tok:{}');
    expect(names.lock({ template: 'a', organizationId: null })).toBe('app:tokenwarden:{tenant-1}:lock:{"t":"a","o":null}');
    expect(names.epoch).toBe('app:tokenwarden:{tenant-1}:epoch');
    expect(names.channel).toBe('app:tokenwarden:{tenant-1}:events');
    // Keys that a string join would confuse stay apart.
    expect(names.token({ template: 'a-b' })).not.toBe(names.token({ template: 'a', organizationId: 'b' }));
  });
});

describe('channel messages', () => {
  it('round-trip token and unlock messages', () => {
    expect(readMessage(tokenMessage(3, { template: 't', organizationId: null }, { token: 'opaque', expiresAt: 2_000, issuedAt: 1_000 }))).toEqual({
      type: 'token',
      epoch: 3,
      key: { template: 't', organizationId: null },
      shared: { token: 'opaque', expiresAt: 2_000, issuedAt: 1_000 },
    });
    expect(readMessage(unlockMessage({ audience: 'x' }))).toEqual({ type: 'unlock', key: { audience: 'x' } });
    expect(readMessage(JSON.stringify({ type: 'epoch', epoch: 4, from: 'me' }))).toEqual({ type: 'epoch', epoch: 4, from: 'me' });
  });

  it('reads the version-1 token message (jwt, no timing) that older instances send during an upgrade', () => {
    expect(readMessage(JSON.stringify({ type: 'token', epoch: 0, key: {}, jwt: 'a.b.c' }))).toEqual({
      type: 'token',
      epoch: 0,
      key: {},
      shared: { token: 'a.b.c', expiresAt: undefined, issuedAt: undefined },
    });
  });

  it('drops timing that is not a positive finite number (the token itself is judged then)', () => {
    const raw = JSON.stringify({ v: 2, type: 'token', epoch: 0, key: {}, token: 't', expiresAt: 'soon', issuedAt: -5 });
    expect(readMessage(raw)).toMatchObject({ shared: { token: 't', expiresAt: undefined, issuedAt: undefined } });
  });

  it.each([
    ['not JSON', '{'],
    ['not a string', 42],
    ['an unknown type', JSON.stringify({ type: 'shout' })],
    ['a key with extra fields', JSON.stringify({ type: 'unlock', key: { template: 't', evil: 1 } })],
    ['a negative epoch', JSON.stringify({ type: 'epoch', epoch: -1, from: 'x' })],
    ['a token that is not a string', JSON.stringify({ type: 'token', epoch: 0, key: {}, jwt: 7 })],
    ['an empty token', JSON.stringify({ v: 2, type: 'token', epoch: 0, key: {}, token: '' })],
  ])('ignore %s', (_, raw) => {
    expect(readMessage(raw)).toBeUndefined();
  });
});

describe('RedisCoordinatorError', () => {
  it('keeps the failure message but not the ioredis error, whose command arguments carry the JWT', () => {
    const jwt = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';
    const cause = Object.assign(new Error('READONLY You can’t write against a read only replica.'), {
      command: { name: 'evalsha', args: ['sha', 2, jwt] },
    });
    const error = RedisCoordinatorError.from('publish', cause);
    expect(error).toMatchObject({ name: 'RedisCoordinatorError', operation: 'publish', timedOut: false });
    expect(error.message).toContain('READONLY');
    expect(error.cause).toBeUndefined();
    expect(JSON.stringify({ ...error, message: error.message, stack: error.stack })).not.toContain(jwt);
  });
});

/** Timers fired one at a time by the test, in order, whatever their delay. */
function steppedTimers() {
  const queue: Array<{ id: number; ms: number; callback: () => void }> = [];
  let seq = 0;
  return {
    setTimeout(callback: () => void, ms: number) {
      queue.push({ id: ++seq, ms, callback });
      return seq;
    },
    clearTimeout(handle: unknown) {
      const index = queue.findIndex((timer) => timer.id === handle);
      if (index >= 0) queue.splice(index, 1);
    },
    /** Fires the oldest pending timer; returns its delay. */
    fire(): number {
      const timer = queue.shift();
      if (!timer) throw new Error('no timer pending');
      timer.callback();
      return timer.ms;
    },
    get pending() {
      return queue.length;
    },
  };
}

describe('withTimeout', () => {
  it('rejects after the timeout and one more event-loop turn', async () => {
    const timers = steppedTimers();
    const outcome = withTimeout(timers, 200, 'claim', () => new Promise<never>(() => undefined));
    const settled = vi.fn();
    outcome.then(settled, settled);
    expect(timers.fire()).toBe(200);
    await Promise.resolve();
    expect(settled).not.toHaveBeenCalled();
    // The last turn: a 0 ms timer runs after the I/O already waiting.
    expect(timers.fire()).toBe(0);
    await expect(outcome).rejects.toMatchObject({ name: 'RedisCoordinatorError', operation: 'claim', timedOut: true });
  });

  it('an answer processed in that last turn (it was waiting behind a busy event loop) wins', async () => {
    const timers = steppedTimers();
    let answer!: (value: string) => void;
    const outcome = withTimeout(timers, 200, 'claim', () => new Promise<string>((resolve) => (answer = resolve)));
    timers.fire();
    answer('OK');
    await expect(outcome).resolves.toBe('OK');
    expect(timers.pending).toBe(0);
  });

  it('a failing call rejects with the sanitised error at once', async () => {
    const timers = steppedTimers();
    const outcome = withTimeout(timers, 200, 'release', () => Promise.reject(new Error('ERR wrong number of arguments')));
    await expect(outcome).rejects.toMatchObject({
      operation: 'release',
      timedOut: false,
      message: expect.stringContaining('wrong number'),
    });
    expect(timers.pending).toBe(0);
  });
});

describe('RedisHealth', () => {
  it('reports coordinator-degraded once per outage, rests for retryInterval, and coordinator-recovered on the next success', () => {
    const timers = manualTimers();
    const events: TokenEvent[] = [];
    const health = new RedisHealth(timers, 1_000, (event) => events.push(event));
    expect(health.available).toBe(true);
    health.failed(new Error('first'));
    health.failed(new Error('second'));
    expect(events).toHaveLength(1);
    expect(health.available).toBe(false);
    timers.advance(999);
    expect(health.available).toBe(false);
    timers.advance(1);
    expect(health.available).toBe(true);
    // Still the same outage until a call succeeds.
    health.failed(new Error('third'));
    expect(events).toHaveLength(1);
    health.succeeded();
    health.succeeded();
    expect(events.map((event) => event.type)).toEqual(['coordinator-degraded', 'coordinator-recovered']);
    timers.advance(1_000);
    health.failed(new Error('next outage'));
    expect(events).toHaveLength(3);
    expect((events[2] as { error: Error }).error.message).toBe('next outage');
  });

  it('a pub/sub failure is reported without stopping the calls', () => {
    const timers = manualTimers();
    const events: TokenEvent[] = [];
    const health = new RedisHealth(timers, 1_000, (event) => events.push(event));
    health.warn(new Error('subscribe timed out'));
    expect(events).toHaveLength(1);
    expect(health.available).toBe(true);
  });
});
