import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTokenClient, type TokenClientOptions } from './client';
import { T0, fakeNetwork, freshJwt, mintingSource, noWake } from '../test/helpers';
import type { Coordinator, CoordinatorHost, TokenEvent } from './types';

// Keys that get their first token together would refresh together every lifetime after. From the
// 64th first token within a second, a first token's refresh point is drawn between half its way
// and the usual point (cache.ts, the door's refresh point; its edges are in cache.test.ts); below that, and for every later token, the
// usual point (43 s of a 60 s token) holds to the millisecond.

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: Partial<TokenClientOptions> = {}) {
  const source = mintingSource(60);
  // Evenly spread draws, so the test can tell every refresh point apart.
  let draw = 0;
  const random = vi.fn(() => (draw++ * 0.618_034) % 1);
  const refreshes: Array<{ template: string | undefined; refreshAt: number; issuedAt: number; at: number }> = [];
  const client = createTokenClient({
    fetchToken: source.fetchToken,
    network: fakeNetwork(),
    wake: noWake,
    clock: { now: () => Date.now(), monotonic: () => Date.now() },
    random,
    ...options,
  });
  client.subscribe((event: TokenEvent) => {
    if (event.type === 'token') refreshes.push({ template: event.key.template, refreshAt: event.refreshAt, issuedAt: event.issuedAt, at: Date.now() });
  });
  return { client, source, refreshes };
}

/** A coordinator that never grants the right to fetch: every first token comes through `host().offer`. */
function deliveringOnly(): { coordinator: Coordinator; host: () => CoordinatorHost } {
  let host: CoordinatorHost | undefined;
  const coordinator: Coordinator = {
    connect(h) {
      host = h;
      return { acquire: () => new Promise<() => void>(() => undefined), publish: () => undefined, invalidate: () => undefined, close: () => undefined };
    },
  };
  return {
    coordinator,
    host: () => {
      if (!host) throw new Error('the client has not connected its coordinator yet');
      return host;
    },
  };
}

const templates = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

/**
 * A refresh point at the usual place: 43 s after issue on the early end of the learned server
 * clock, shifted onto its late end, so 43-44 s after issue as the bounds narrow.
 */
function expectUsual(r: { refreshAt: number; issuedAt: number }) {
  expect(r.refreshAt - r.issuedAt).toBeGreaterThanOrEqual(43_000);
  expect(r.refreshAt - r.issuedAt).toBeLessThanOrEqual(44_000);
}

describe('a wave of first tokens is spread over the first cycle', () => {
  it('200 keys first fetched together: the first 63 refresh at the usual point, the rest between half way and it, all different', async () => {
    const { client, refreshes } = setup();
    await Promise.all(templates(200).map((template) => client.getToken({ template })));
    expect(refreshes).toHaveLength(200);
    for (const r of refreshes.slice(0, 63)) expectUsual(r);
    const spread = refreshes.slice(63);
    for (const r of spread) {
      expect(r.refreshAt - r.issuedAt).toBeGreaterThanOrEqual(21_500);
      expect(r.refreshAt - r.issuedAt).toBeLessThanOrEqual(44_000);
    }
    expect(new Set(spread.map((r) => r.refreshAt)).size).toBe(spread.length);
    // The refreshes happen at those points: by 30 s some have, by 44.6 s every one.
    await vi.advanceTimersByTimeAsync(30_000);
    // Spread evenly over 21.5-44 s, about 54 of the 137 fall before 30 s (drawn from the tokens).
    const refreshedBy30 = refreshes.length - 200;
    expect(refreshedBy30).toBeGreaterThan(35);
    expect(refreshedBy30).toBeLessThan(75);
    await vi.advanceTimersByTimeAsync(14_600);
    expect(refreshes.length - 200).toBe(200);
    client.destroy();
  });

  it('later tokens of those keys keep the usual point: the wave does not come back earlier each cycle', async () => {
    const { client, refreshes } = setup();
    await Promise.all(templates(100).map((template) => client.getToken({ template })));
    // Keep reading so no key goes idle; every first refresh is done by 43 s.
    for (let s = 0; s < 44; s++) {
      await vi.advanceTimersByTimeAsync(1_000);
      if (s % 20 === 0) await Promise.all(templates(100).map((template) => client.getToken({ template })));
    }
    const later = refreshes.slice(100);
    expect(later).toHaveLength(100);
    for (const r of later) expectUsual(r);
    client.destroy();
  });

  it('63 keys in a second, or 200 keys over 4 s at 50 a second, are no wave: every refresh point is the usual one', async () => {
    const few = setup();
    await Promise.all(templates(63).map((template) => few.client.getToken({ template })));
    for (const r of few.refreshes) expectUsual(r);
    few.client.destroy();

    const slow = setup();
    for (let batch = 0; batch < 4; batch++) {
      await Promise.all(templates(50).map((template) => slow.client.getToken({ template: `${template}-${batch}` })));
      await vi.advanceTimersByTimeAsync(1_001);
    }
    expect(slow.refreshes).toHaveLength(200);
    for (const r of slow.refreshes) expectUsual(r);
    slow.client.destroy();
  });

  it('first tokens delivered by a coordinator count too, and one issued long ago is never planned before now', async () => {
    const delivering = deliveringOnly();
    const { client, refreshes } = setup({ coordinator: delivering.coordinator });
    const host = delivering.host();
    const keys = templates(100);
    for (const template of keys) void client.getToken({ template }).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    // Minted 40 s ago: 3 s before their usual refresh point, far past half way.
    const issued = Date.now() - 40_000;
    keys.forEach((template, n) => expect(host.offer({ template }, { token: freshJwt(60, { n }, issued) })).toBe(true));
    expect(refreshes).toHaveLength(100);
    for (const r of refreshes.slice(0, 63)) expectUsual(r);
    const spread = refreshes.slice(63);
    for (const r of spread) {
      expect(r.refreshAt).toBeGreaterThanOrEqual(Date.now());
      expect(r.refreshAt - r.issuedAt).toBeLessThanOrEqual(44_000);
    }
    expect(spread.filter((r) => r.refreshAt - r.issuedAt < 43_000).length).toBeGreaterThan(30);
    client.destroy();
  });

  it('two participants given the same first tokens plan each key at the same point: the earliest would otherwise refresh for both', async () => {
    // Two tabs, or two instances of a fleet, get the same tokens through a coordinator, in
    // different orders. The spread point comes from the token, not from each one's own draw.
    const tokens = templates(200).map((template, n) => ({ template, token: freshJwt(60, { n, tpl: template }) }));
    const plans = [tokens, [...tokens].reverse()].map((order) => {
      const delivering = deliveringOnly();
      const { client, refreshes } = setup({ coordinator: delivering.coordinator });
      const host = delivering.host();
      for (const { template } of order) void client.getToken({ template }).catch(() => undefined);
      for (const { template, token } of order) host.offer({ template }, { token });
      client.destroy();
      return { first63: new Set(refreshes.slice(0, 63).map((r) => r.template)), at: new Map(refreshes.map((r) => [r.template, r.refreshAt])) };
    });
    const [a, b] = plans as [(typeof plans)[0], (typeof plans)[0]];
    const spreadByBoth = tokens.filter(({ template }) => !a.first63.has(template) && !b.first63.has(template));
    expect(spreadByBoth).toHaveLength(74);
    for (const { template } of spreadByBoth) expect(b.at.get(template)).toBe(a.at.get(template));
    expect(new Set(spreadByBoth.map(({ template }) => a.at.get(template))).size).toBe(74);
  });
});
