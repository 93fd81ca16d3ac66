import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt } from '../test/helpers';
import { flightClient, flightHarness, hang, networkFailure } from '../test/flightHarness';
import { OfflineError, TokenError, TokenFetchError } from './errors';
import type { FetchTokenContext, TokenEvent } from './types';

// How a flight ends and what everyone hears: callers, events, and the owner (flight.ts).

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = flightClient;

/** Node-like: the network cannot be observed, so failures stand in for offline events. */
const unobservable = () => ({ ...fakeNetwork(), observable: false as const });

function watch<T>(promise: Promise<T>) {
  const start = Date.now();
  const box: { value?: T; error?: unknown; done: boolean; after?: number } = { done: false };
  promise.then(
    (value) => Object.assign(box, { value, done: true, after: Date.now() - start }),
    (error) => Object.assign(box, { error, done: true, after: Date.now() - start }),
  );
  return box;
}

const fetchErrors = (events: TokenEvent[]) => events.filter((e) => e.type === 'fetch-error') as Array<Extract<TokenEvent, { type: 'fetch-error' }>>;

describe('clear() while a request is in flight', () => {
  it('aborts the request with a TokenError "aborted" and reports no fetch error', async () => {
    const { client, source, events } = setup();
    let signal!: AbortSignal;
    source.fetchToken.mockImplementationOnce((ctx: FetchTokenContext) => {
      signal = ctx.signal;
      return hang();
    });
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(0);
    client.clear();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(box.value).toBeNull();
    expect(TokenError.is(signal.reason)).toBe(true);
    expect(signal.reason.code).toBe('aborted');
    expect(signal.reason.message).toBe('Token fetch aborted by clear()');
    expect(fetchErrors(events)).toEqual([]);
    client.destroy();
  });
});

describe('going offline during retries', () => {
  it('answers the caller at once with "The network is offline", caused by the last failure, and sends nothing while offline', async () => {
    const { client, network, source } = setup();
    const failure = networkFailure();
    source.fetchToken.mockRejectedValue(failure);
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(200);
    const sent = source.fetchToken.mock.calls.length;
    network.set(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.done).toBe(true);
    expect(OfflineError.is(box.error)).toBe(true);
    expect((box.error as OfflineError).message).toBe('The network is offline');
    expect((box.error as OfflineError).cause).toBe(failure);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(source.fetchToken.mock.calls.length).toBe(sent);
    expect(client.snapshot().entries[0]?.refreshing).toBe(false);
    client.destroy();
  });
});

describe('fetch-error events', () => {
  it('a failure that will be retried says so, with the wait', async () => {
    const { client, source, events } = setup();
    source.fetchToken.mockRejectedValueOnce(networkFailure());
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(125);
    expect(typeof box.value).toBe('string');
    expect(fetchErrors(events).map(({ willRetry, retryIn }) => ({ willRetry, retryIn }))).toEqual([{ willRetry: true, retryIn: 125 }]);
    client.destroy();
  });

  it('a refused request (400) is final: willRetry false, no wait', async () => {
    const { client, source, events } = setup();
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('bad'), { status: 400 }));
    await expect(client.getToken()).rejects.toSatisfy(TokenFetchError.is);
    expect(fetchErrors(events).map(({ willRetry, retryIn }) => ({ willRetry, retryIn }))).toEqual([{ willRetry: false, retryIn: undefined }]);
    client.destroy();
  });
});

describe('where the network cannot be observed, only a caller answered offline means offline', () => {
  it('a refused request (400) or a source bug is not taken for being offline', async () => {
    const { client, source, events } = setup({ network: unobservable() });
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('bad'), { status: 400 }));
    await expect(client.getToken()).rejects.toSatisfy(TokenFetchError.is);
    source.fetchToken.mockRejectedValueOnce(new RangeError('oops'));
    await vi.advanceTimersByTimeAsync(200);
    await expect(client.getToken()).rejects.toBeInstanceOf(RangeError);
    expect(events.filter((e) => e.type === 'offline' || e.type === 'online')).toEqual([]);
    client.destroy();
  });

  it('a network failure retried within the budget is not taken for being offline', async () => {
    const { client, source, events } = setup({ network: unobservable() });
    source.fetchToken.mockRejectedValueOnce(networkFailure());
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(125);
    expect(typeof box.value).toBe('string');
    expect(events.filter((e) => e.type === 'offline' || e.type === 'online')).toEqual([]);
    expect(client.isOnline()).toBe(true);
    client.destroy();
  });

  it('a server that keeps failing past the budget is not taken for being offline', async () => {
    const { client, source, events } = setup({ network: unobservable(), foregroundRetryBudget: 1_000 });
    source.fetchToken.mockRejectedValue(Object.assign(new Error('unavailable'), { status: 503 }));
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(TokenFetchError.is(box.error)).toBe(true);
    expect(events.filter((e) => e.type === 'offline' || e.type === 'online')).toEqual([]);
    client.destroy();
  });

  it('a caller answered offline is; the next caller still retries a server failure within its budget', async () => {
    const { client, source, events } = setup({ network: unobservable(), foregroundRetryBudget: 1_000 });
    source.fetchToken.mockRejectedValue(networkFailure());
    const first = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(OfflineError.is(first.error)).toBe(true);
    expect(events.filter((e) => e.type === 'offline')).toHaveLength(1);
    source.fetchToken.mockReset();
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('unavailable'), { status: 503 })).mockResolvedValue(freshJwt(60));
    const second = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(500);
    expect(typeof second.value).toBe('string');
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    client.destroy();
  });
});

describe('a transport failure is paced by policy, whatever it carries', () => {
  it('a retryAfter on a network error does not lengthen the wait (only a server answer can)', async () => {
    const { client, source } = setup();
    source.fetchToken.mockRejectedValueOnce(Object.assign(networkFailure(), { retryAfter: 5_000 }));
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(125);
    expect(typeof box.value).toBe('string');
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    client.destroy();
  });
});

describe('after a refused request, the minimum gap still holds for a caller with a tiny budget', () => {
  it('the caller waits out its own budget rather than being turned away at once', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 50 });
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('bad'), { status: 400 }));
    await expect(client.getToken()).rejects.toSatisfy(TokenFetchError.is);
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(49);
    expect(box.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(box.after).toBe(50);
    expect(OfflineError.is(box.error)).toBe(true);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    client.destroy();
  });
});

describe('Flight: joining, cancelling and settling the owner', () => {
  it('a caller joining a cancelled flight gets null, even once it has wound down', async () => {
    const h = flightHarness({ sources: [hang] });
    h.flight.start();
    h.flight.cancel();
    h.flight.cancel();
    await vi.advanceTimersByTimeAsync(0);
    const box = h.join(10_000);
    expect(box).toMatchObject({ done: true, value: null });
    // A cancelled flight's owner has already let go: it is not settled again.
    expect(h.onSettled).not.toHaveBeenCalled();
    expect(h.failures).toEqual([]);
  });

  it('joining a flight that has finished is an internal error (the owner forgets a flight before it settles)', async () => {
    const h = flightHarness();
    const box = h.join(10_000);
    h.flight.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(box.value).toBe('token');
    expect(h.onSettled).toHaveBeenCalledTimes(1);
    expect(() => h.join(10_000)).toThrow('tokenwarden: internal error, joined a finished flight');
  });

  it('signed out (401) with an owner that does not cancel: callers still get null, the owner is settled, no more requests', async () => {
    const h = flightHarness({
      sources: [
        async () => {
          throw Object.assign(new Error('no session'), { status: 401 });
        },
      ],
    });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    const box = h.join(10_000);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(box.value).toBeNull();
    expect(h.onSignedOut).toHaveBeenCalledTimes(1);
    expect(h.onSettled).toHaveBeenCalledTimes(1);
    expect(h.requests).toHaveLength(1);
  });

  it('signed out (null) with an owner that does not cancel: no caller is left waiting', async () => {
    const h = flightHarness({ sources: [async () => null] });
    h.flight.start();
    const box = h.join(10_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(box.done).toBe(true);
    expect(h.onSignedOut).toHaveBeenCalledTimes(1);
    expect(h.onSettled).toHaveBeenCalledTimes(1);
  });

  it('cancelled just as the source answers null: the sign-out is not reported again', async () => {
    const h = flightHarness();
    h.otherwise(() => {
      const answer = Promise.resolve(null);
      void answer.then(() => h.flight.cancel());
      return answer;
    });
    const box = h.join(10_000);
    h.flight.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(box.value).toBeNull();
    expect(h.onSignedOut).not.toHaveBeenCalled();
  });

  it('a background retry that could only start when the held token expires is not made', async () => {
    const h = flightHarness({ sources: [async () => Promise.reject(networkFailure())] });
    // Background attempt 0 waits 500 ms: exactly until the held token expires.
    h.state.backgroundUntil = Date.now() + 500;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(h.requests).toHaveLength(1);
    expect(h.failures.map((f) => f.willRetry)).toEqual([false]);
    expect(h.onSettled).toHaveBeenCalledTimes(1);
  });
});
