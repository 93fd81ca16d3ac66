import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0 } from '../test/helpers';
import { flightClient, flightHarness, hang, networkFailure } from '../test/flightHarness';
import { OfflineError, TokenFetchError } from './errors';

// Every caller is answered at its own budget (`foregroundRetryBudget`), even while an attempt hangs
// for up to `requestTimeout`: one timer for the earliest caller deadline (flight.ts #armDeadline).

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = flightClient;

/** Records a promise's outcome and the fake time it came at, without awaiting it. */
function watch<T>(promise: Promise<T>) {
  const start = Date.now();
  const box: { value?: T; error?: unknown; done: boolean; after?: number } = { done: false };
  promise.then(
    (value) => Object.assign(box, { value, done: true, after: Date.now() - start }),
    (error) => Object.assign(box, { error, done: true, after: Date.now() - start }),
  );
  return box;
}

describe('a caller is answered at its budget, not at requestTimeout', () => {
  it('a hanging source: the caller gets OfflineError at its 2 s budget, caused by the attempt timing out', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 2_000, requestTimeout: 10_000 });
    source.fetchToken.mockImplementation(hang);
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(1_999);
    expect(box.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(box.done).toBe(true);
    expect(box.after).toBe(2_000);
    const error = box.error as OfflineError;
    expect(OfflineError.is(error)).toBe(true);
    expect(error.message).toBe('No token within the retry budget');
    // Nothing failed yet: the cause says the attempt outlived the budget.
    expect(error.cause).toBeInstanceOf(Error);
    expect((error.cause as Error).name).toBe('TimeoutError');
    client.destroy();
  });

  it('the answer at the budget carries the last failure as its cause', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 1_000, requestTimeout: 10_000 });
    const failure = networkFailure();
    source.fetchToken.mockRejectedValueOnce(failure).mockImplementation(hang);
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(box.after).toBe(1_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(OfflineError.is(box.error)).toBe(true);
    expect((box.error as OfflineError).cause).toBe(failure);
    client.destroy();
  });

  it('when the last failure was the server\'s, a caller out of budget gets that TokenFetchError itself', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 1_000, requestTimeout: 10_000 });
    source.fetchToken.mockRejectedValueOnce(Object.assign(new Error('unavailable'), { status: 503 })).mockImplementation(hang);
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(1_000);
    expect(box.after).toBe(1_000);
    expect(TokenFetchError.is(box.error)).toBe(true);
    expect((box.error as TokenFetchError).status).toBe(503);
    client.destroy();
  });

  it('callers sharing a hanging request are each answered at their own budget, earliest first', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 2_000, requestTimeout: 10_000 });
    source.fetchToken.mockImplementation(hang);
    const first = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(500);
    const second = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(1_000);
    const third = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(500);
    expect(first.done).toBe(true);
    expect(first.after).toBe(2_000);
    expect(second.done).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(second.after).toBe(2_000);
    expect(third.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(third.after).toBe(2_000);
    for (const box of [first, second, third]) expect(OfflineError.is(box.error)).toBe(true);
    // All three shared one request.
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    client.destroy();
  });

  it('a caller who joins with the same deadline as an earlier one is answered with it', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 2_000, requestTimeout: 10_000 });
    source.fetchToken.mockImplementation(hang);
    const first = watch(client.getToken());
    const second = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(2_000);
    expect([first.after, second.after]).toEqual([2_000, 2_000]);
    client.destroy();
  });

  it('a caller whose budget would end before the next retry leaves at the failure, with that failure', async () => {
    // random 0: the first foreground retry is 125 ms after the failure, exactly the budget.
    const { client, source } = setup({ foregroundRetryBudget: 125 });
    const failure = networkFailure();
    source.fetchToken.mockRejectedValue(failure);
    const box = watch(client.getToken());
    await vi.advanceTimersByTimeAsync(0);
    expect(box.done).toBe(true);
    expect(box.after).toBe(0);
    expect(OfflineError.is(box.error)).toBe(true);
    expect((box.error as OfflineError).message).not.toBe('No token within the retry budget');
    expect((box.error as OfflineError).cause).toBe(failure);
    client.destroy();
  });

  it('a caller whose budget ends before the next retry leaves at that failure; a later caller stays for the retry', async () => {
    const { client, source } = setup({ foregroundRetryBudget: 300 });
    const failure = networkFailure();
    source.fetchToken.mockRejectedValueOnce(networkFailure()).mockRejectedValueOnce(failure);
    const early = watch(client.getToken()); // deadline 300
    await vi.advanceTimersByTimeAsync(100);
    const late = watch(client.getToken()); // deadline 400
    // Second failure at 125; the next retry (250 ms later, at 375) is past the first caller's budget only.
    await vi.advanceTimersByTimeAsync(25);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(early.done).toBe(true);
    expect(early.after).toBe(125);
    expect((early.error as OfflineError).cause).toBe(failure);
    expect((early.error as OfflineError).message).not.toBe('No token within the retry budget');
    expect(late.done).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    expect(source.fetchToken).toHaveBeenCalledTimes(3);
    expect(typeof late.value).toBe('string');
    client.destroy();
  });
});

describe('requestTimeout counts from the request, not from the wait before it', () => {
  function timedAttempt(sendAfter: number | undefined) {
    const aborted: number[] = [];
    const start = Date.now();
    const harness = flightHarness({
      requestTimeout: 5_000,
      waitBound: () => 20_000,
      attempt: (signal, requestStarts) =>
        new Promise<string | null>((_, reject) => {
          if (sendAfter !== undefined) setTimeout(requestStarts, sendAfter);
          signal.addEventListener('abort', () => {
            aborted.push(Date.now() - start);
            reject(signal.reason);
          });
        }),
    });
    harness.flight.start();
    return aborted;
  }

  it('a request sent after an 8 s wait (a coordinator spreading a wave) is aborted 5 s after it went out', async () => {
    const aborted = timedAttempt(8_000);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(aborted).toEqual([13_000]);
  });

  it('a request that never goes out is aborted at the wait bound', async () => {
    const aborted = timedAttempt(undefined);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(aborted).toEqual([20_000]);
  });

  it('a source that ignores the abort and sends later arms no timer: the attempt was already given up on', async () => {
    const harness = flightHarness({
      requestTimeout: 5_000,
      waitBound: () => 20_000,
      attempt: (_signal, requestStarts) =>
        new Promise<string | null>(() => {
          setTimeout(requestStarts, 25_000);
        }),
    });
    harness.flight.start();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(harness.failures).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('the caller-deadline timer', () => {
  it('once the last caller has been answered at its deadline, no deadline timer is left armed while the attempt runs on', async () => {
    const h = flightHarness({ requestTimeout: 30_000, waitBound: () => 30_000, attempt: () => hang() });
    h.flight.start();
    const box = h.join(2_000);
    // The attempt's own timeout, and the caller's deadline.
    expect(vi.getTimerCount()).toBe(2);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(box.done).toBe(true);
    // Only the attempt's timeout: nobody is left to answer, so no timer (not one at "infinity").
    expect(vi.getTimerCount()).toBe(1);
  });
});
