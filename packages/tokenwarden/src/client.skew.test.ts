import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt, noWake } from '../test/helpers';
import { createTokenClient } from './client';
import { InvalidTokenError } from './errors';
import { decodeJwt } from './jwt';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The server mints on true time (the fake timers' clock); the client reads a skewed clock. */
function skewedClient(skewMs: number, options: { withServerTime?: boolean } = {}) {
  const served: Array<{ exp: number; at: number }> = [];
  const fetchToken = vi.fn(async () => {
    const token = freshJwt(60);
    return options.withServerTime ? { token, serverTime: Date.now() } : token;
  });
  const client = createTokenClient({
    fetchToken,
    network: fakeNetwork(),
    wake: noWake,
    clock: { now: () => Date.now() + skewMs },
  });
  const read = async () => {
    const token = await client.getToken();
    served.push({ exp: (decodeJwt(token).exp as number) * 1000, at: Date.now() });
    return token;
  };
  return { client, fetchToken, served, read };
}

describe('clock skew (rule 8)', () => {
  it.each([
    ['10 minutes fast', 600_000],
    ['10 minutes slow', -600_000],
  ])('with the local clock %s a 60 s token refreshes once per cycle and is never served expired', async (_, skew) => {
    for (const withServerTime of [false, true]) {
      vi.setSystemTime(T0);
      const { client, fetchToken, served, read } = skewedClient(skew, { withServerTime });
      for (let second = 0; second < 300; second++) {
        await read();
        await vi.advanceTimersByTimeAsync(1_000);
      }
      // Requests at 0, 43, 86, 129, 172, 215, 258 s (true time): one per cycle.
      expect(fetchToken).toHaveBeenCalledTimes(7);
      for (const { exp, at } of served) expect(exp - at).toBeGreaterThan(5_000);
      client.destroy();
    }
  });

  it('with serverTime: a token issued 30 s earlier with a 120 s lifetime is refreshed 73 s after it arrives', async () => {
    const fetchToken = vi.fn(async () => ({ token: freshJwt(120, {}, Date.now() - 30_000), serverTime: Date.now() }));
    // The local clock is 10 minutes slow, so only serverTime can tell the token's true age.
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, clock: { now: () => Date.now() - 600_000 } });
    await client.getToken();
    await vi.advanceTimersByTimeAsync(72_900);
    await client.getToken();
    expect(fetchToken).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(200);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    client.destroy();
  });

  it('with serverTime: a token already expired by the server clock is refused as InvalidTokenError', async () => {
    const fetchToken = vi.fn(async () => ({ token: freshJwt(60, {}, Date.now() - 61_000), serverTime: Date.now() }));
    const client = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, clock: { now: () => Date.now() + 3_600_000 } });
    const error = await client.getToken().catch((e) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error.reason).toBe('expired');
    expect(client.snapshot().entries.every((e) => e.claims === undefined)).toBe(true);
    client.destroy();
  });

  it('reports the learned server offset', async () => {
    const { client, read } = skewedClient(600_000, { withServerTime: true });
    await read();
    expect(Math.abs(client.snapshot().serverOffset + 600_000)).toBeLessThan(1_000);
    client.destroy();
  });
});
