import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, mintingSource, noWake } from '../test/helpers';
import { flightHarness, networkFailure } from '../test/flightHarness';
import { createTokenClient } from './client';
import { TokenFetchError } from './errors';
import { MIN_ATTEMPT_GAP, Pacer } from './flight';

// The pacer's rules (docs/architecture.md "Retry floor"): a waiting caller hurries a flight that
// is only pacing itself, down to the 125 ms minimum gap, but never shortens a wait the server gave.
// With random() = 0 every wait is its floor: foreground 125, 250, 500, 1000, 2000 ms; background
// 500, 1000, 2000, 4000 ms.

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

const serverFailure = (retryAfter?: number) => new TokenFetchError(503, retryAfter === undefined ? {} : { retryAfter });
const fail = (error: unknown) => async () => {
  throw error;
};
const since = (times: number[]) => times.map((t) => t - T0);

describe('Pacer.hurry', () => {
  it('brings the next attempt forward to the minimum gap after the last one', () => {
    const pacer = new Pacer();
    pacer.lastEndedAt = 0;
    pacer.nextAt = 1_000;
    pacer.hurry();
    expect(pacer.nextAt).toBe(MIN_ATTEMPT_GAP);
  });

  it('never makes a wait longer', () => {
    const pacer = new Pacer();
    pacer.lastEndedAt = 0;
    pacer.nextAt = 50;
    pacer.hurry();
    expect(pacer.nextAt).toBe(50);
  });

  it('leaves a server-given wait alone', () => {
    const pacer = new Pacer();
    pacer.lastEndedAt = 0;
    pacer.nextAt = 5_000;
    pacer.serverGiven = true;
    pacer.hurry();
    expect(pacer.nextAt).toBe(5_000);
  });
});

describe('a server-given Retry-After longer than a caller can wait', () => {
  function backgroundAfter429(retryAfter: number) {
    const rateLimited = new TokenFetchError(429, { retryAfter });
    const h = flightHarness({ sources: [fail(rateLimited)] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    return { h, rateLimited };
  }

  it('rejects a caller whose budget ends before it at once, with the server error', async () => {
    const { h, rateLimited } = backgroundAfter429(60_000);
    await vi.advanceTimersByTimeAsync(0);
    expect(h.failures).toMatchObject([{ willRetry: true, retryIn: 60_000 }]);
    const box = h.join(10_000);
    expect(box.done).toBe(true);
    expect(box.error).toBe(rateLimited);
  });

  it('keeps a caller whose budget outlasts it, who gets the token when the server allows', async () => {
    const { h } = backgroundAfter429(60_000);
    await vi.advanceTimersByTimeAsync(1_000);
    const box = h.join(70_000);
    expect(box.done).toBe(false);
    await vi.advanceTimersByTimeAsync(58_999);
    expect(h.requests).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(since(h.requests)).toEqual([0, 60_000]);
    expect(box.value).toBe('token');
  });

  it('keeps a caller whose budget ends exactly when the server allows the next attempt', async () => {
    const { h } = backgroundAfter429(60_000);
    await vi.advanceTimersByTimeAsync(1_000);
    const box = h.join(59_000);
    expect(box.done).toBe(false);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(since(h.requests)).toEqual([0, 60_000]);
    expect(box.value).toBe('token');
  });

  it('a caller who asks again after being turned away is turned away again with the server error, without a request', async () => {
    const network = fakeNetwork();
    const source = mintingSource(60);
    const rateLimited = new TokenFetchError(429, { retryAfter: 60_000 });
    source.fetchToken.mockRejectedValue(rateLimited);
    const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now() }, random: () => 0 });
    await expect(client.getToken()).rejects.toBe(rateLimited);
    await expect(client.getToken()).rejects.toBe(rateLimited);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    client.destroy();
  });
});

describe('a caller joining a background flight that is pacing itself', () => {
  it('hurries it to the minimum gap and restarts the foreground backoff', async () => {
    const h = flightHarness({ sources: [fail(networkFailure()), fail(networkFailure()), fail(networkFailure()), fail(networkFailure())] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    // Background waits 500, 1000, then 2000 (until 3500).
    await vi.advanceTimersByTimeAsync(2_000);
    expect(since(h.requests)).toEqual([0, 500, 1_500]);
    const box = h.join(10_000);
    await vi.advanceTimersByTimeAsync(0);
    // At once (the gap since 1500 is over), then 125 ms later: foreground attempt 0 again.
    expect(since(h.requests)).toEqual([0, 500, 1_500, 2_000]);
    await vi.advanceTimersByTimeAsync(125);
    expect(since(h.requests)).toEqual([0, 500, 1_500, 2_000, 2_125]);
    expect(box.value).toBe('token');
  });

  it('hurries a wait from a server that said Retry-After: 0 (the wait was the policy\'s)', async () => {
    const h = flightHarness({ sources: [fail(serverFailure(0))] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(10);
    h.join(10_000);
    await vi.advanceTimersByTimeAsync(500);
    expect(since(h.requests)).toEqual([0, 125]);
  });

  it('does not hurry a wait the server asked for, even one equal to the policy\'s own', async () => {
    const h = flightHarness({ sources: [fail(serverFailure(500))] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(10);
    h.join(10_000);
    await vi.advanceTimersByTimeAsync(500);
    expect(since(h.requests)).toEqual([0, 500]);
  });

  it('does not restart the backoff when the server set the wait', async () => {
    const h = flightHarness({ sources: [fail(serverFailure(3_000)), fail(serverFailure())] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(100);
    h.join(10_000);
    await vi.advanceTimersByTimeAsync(3_500);
    // 3000 as told, then foreground attempt 1 (250), not attempt 0 (125).
    expect(since(h.requests)).toEqual([0, 3_000, 3_250]);
  });

  it('joining during an attempt (not a wait) keeps the backoff where it is', async () => {
    let failNow!: () => void;
    const slow = () =>
      new Promise<never>((_, reject) => {
        failNow = () => reject(networkFailure());
      });
    const h = flightHarness({ sources: [fail(networkFailure()), fail(networkFailure()), fail(networkFailure()), slow] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(3_550);
    expect(since(h.requests)).toEqual([0, 500, 1_500, 3_500]);
    h.join(10_000);
    failNow();
    await vi.advanceTimersByTimeAsync(0);
    // Foreground attempt 3 (1000 ms), not a fresh attempt 0 (125 ms).
    await vi.advanceTimersByTimeAsync(2_000);
    expect(since(h.requests)).toEqual([0, 500, 1_500, 3_500, 4_550]);
  });
});

describe('wake(): the network is back or the app woke up', () => {
  it('stops a background flight pacing itself and restarts its backoff', async () => {
    const h = flightHarness({ sources: [fail(networkFailure()), fail(networkFailure()), fail(networkFailure()), fail(networkFailure())] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(since(h.requests)).toEqual([0, 500, 1_500]);
    h.flight.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(since(h.requests)).toEqual([0, 500, 1_500, 2_000]);
    // Background attempt 0 again: 500 ms.
    await vi.advanceTimersByTimeAsync(500);
    expect(since(h.requests)).toEqual([0, 500, 1_500, 2_000, 2_500]);
  });

  it('leaves a server-given wait and its backoff alone', async () => {
    const h = flightHarness({ sources: [fail(serverFailure(3_000)), fail(serverFailure())] });
    h.state.backgroundUntil = Date.now() + 600_000;
    h.flight.start();
    await vi.advanceTimersByTimeAsync(100);
    h.flight.wake();
    await vi.advanceTimersByTimeAsync(4_000);
    // 3000 as told, then background attempt 1 (1000), not attempt 0 (500).
    expect(since(h.requests)).toEqual([0, 3_000, 4_000]);
  });
});
