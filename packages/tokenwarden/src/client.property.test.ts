import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, makeJwt, noWake } from '../test/helpers';
import { createTokenClient } from './client';
import { TokenError } from './errors';
import type { FetchTokenContext } from './types';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

type Outcome = 'ok' | 'network' | 'server' | 'hang';
type Command =
  | { type: 'read'; key: number; skipCache: boolean }
  | { type: 'advance'; ms: number }
  | { type: 'jump'; ms: number }
  | { type: 'network'; online: boolean }
  | { type: 'outcome'; outcome: Outcome; latency: number }
  | { type: 'clear' };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('read' as const), key: fc.integer({ min: 0, max: 2 }), skipCache: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('jump' as const), ms: fc.integer({ min: -900_000, max: 900_000 }) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('network' as const), online: fc.boolean() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant('outcome' as const),
      outcome: fc.constantFrom<Outcome>('ok', 'ok', 'network', 'server', 'hang'),
      latency: fc.integer({ min: 0, max: 3_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('clear' as const) }) },
);

const KEYS = [{}, { template: 't' }, { organizationId: 'org' }];

async function runScenario(commands: Command[], ttl: number) {
  let wallOffset = 0;
  let clears = 0;
  let outcome: Outcome = 'ok';
  let latency = 0;
  // Requests still in flight per key; an aborted one no longer counts, even if its source ignores the signal.
  const inFlight = new Map<string, Set<AbortSignal>>();
  let maxInFlight = 0;
  const violations: string[] = [];
  const network = fakeNetwork();

  const fetchToken = async (ctx: FetchTokenContext) => {
    const id = JSON.stringify([ctx.template, ctx.organizationId]);
    const active = inFlight.get(id) ?? new Set<AbortSignal>();
    inFlight.set(id, active);
    for (const signal of active) if (signal.aborted) active.delete(signal);
    active.add(ctx.signal);
    maxInFlight = Math.max(maxInFlight, active.size);
    const epoch = clears;
    const mode = outcome;
    try {
      if (mode === 'hang') await new Promise(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, latency));
      if (mode === 'network') throw new TypeError('fetch failed');
      if (mode === 'server') throw Object.assign(new Error('unavailable'), { status: 503 });
      const iat = Math.floor(Date.now() / 1000);
      return makeJwt({ iat, exp: iat + ttl, epoch });
    } finally {
      active.delete(ctx.signal);
    }
  };

  const client = createTokenClient({
    fetchToken,
    network,
    wake: noWake,
    requestTimeout: 5_000,
    clock: { now: () => Date.now() + wallOffset, monotonic: () => Date.now() },
  });

  const pending: Promise<unknown>[] = [];
  for (const command of commands) {
    switch (command.type) {
      case 'read': {
        const clearsAtCall = clears;
        const promise = client.getToken({ ...KEYS[command.key], skipCache: command.skipCache }).then(
          (token) => {
            if (token === null) return;
            const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number; epoch: number };
            // The true (server) clock is the fake timers' clock; the client only sees a skewed one.
            if (claims.exp * 1000 <= Date.now()) violations.push(`expired token served (exp ${claims.exp}, now ${Date.now()})`);
            if (claims.epoch < clearsAtCall) violations.push('token from before clear() served');
          },
          (error) => {
            if (!TokenError.is(error)) violations.push(`non-token error: ${String(error)}`);
          },
        );
        pending.push(promise);
        break;
      }
      case 'advance':
        await vi.advanceTimersByTimeAsync(command.ms);
        break;
      case 'jump':
        wallOffset += command.ms;
        break;
      case 'network':
        network.set(command.online);
        break;
      case 'outcome':
        outcome = command.outcome;
        latency = command.latency;
        break;
      case 'clear':
        clears++;
        client.clear();
        break;
    }
  }
  outcome = 'ok';
  network.set(true);
  await vi.advanceTimersByTimeAsync(60_000);
  await Promise.all(pending);
  client.destroy();
  // Let the test source's own latency timers run out; what is left would be the client's.
  await vi.advanceTimersByTimeAsync(5_000);
  expect(vi.getTimerCount()).toBe(0);
  return { violations, maxInFlight };
}

describe('properties over random interleavings', () => {
  it('never an expired token, never one from before clear(), one fetch in flight per key, only typed errors', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 40 }), fc.constantFrom(10, 60, 300), async (commands, ttl) => {
          vi.setSystemTime(T0);
          const { violations, maxInFlight } = await runScenario(commands, ttl);
          expect(violations).toEqual([]);
          expect(maxInFlight).toBeLessThanOrEqual(1);
        }),
        { numRuns: 150 },
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  }, 120_000);
});
