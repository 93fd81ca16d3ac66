import { vi } from 'vitest';
import { Flight, type FlightDeps, Pacer } from '../src/flight';
import { systemTimers } from '../src/timers';
import { createTokenClient, type TokenClientOptions } from '../src/client';
import type { TokenEvent } from '../src/types';
import { fakeNetwork, mintingSource, noWake } from './helpers';

/** A Flight wired to fake timers and recording fakes, for the flight.*.test.ts unit tests. */
export function flightHarness(overrides: Partial<FlightDeps> & { sources?: Array<(signal: AbortSignal) => Promise<string | null>> } = {}) {
  const state = { online: true, suspect: false, backgroundUntil: Number.NEGATIVE_INFINITY };
  const requests: number[] = [];
  const signals: AbortSignal[] = [];
  const failures: Array<{ error: unknown; willRetry: boolean; retryIn: number | undefined; offline: boolean }> = [];
  const sources = overrides.sources ?? [];
  let fallback: (signal: AbortSignal) => Promise<string | null> = async () => 'token';
  const pacer = overrides.pacer ?? new Pacer();
  const onSettled = vi.fn();
  const onSignedOut = vi.fn();
  const deps: FlightDeps = {
    now: () => Date.now(),
    serverNow: () => Date.now(),
    timers: systemTimers,
    random: () => 0,
    requestTimeout: 10_000,
    pacer,
    isOnline: () => state.online,
    suspectOffline: () => state.suspect,
    attempt: (signal) => {
      requests.push(Date.now());
      signals.push(signal);
      const next = sources.shift() ?? fallback;
      return next(signal);
    },
    backgroundUntil: () => state.backgroundUntil,
    onSignedOut,
    onFailure: (error, willRetry, retryIn, offline) => failures.push({ error, willRetry, retryIn, offline }),
    onSettled,
    ...overrides,
    // No coordinator here: the turn before a request is bounded like the request.
    waitBound: overrides.waitBound ?? (() => deps.requestTimeout),
  };
  const flight = new Flight(deps);
  return {
    flight,
    pacer,
    state,
    requests,
    signals,
    failures,
    onSettled,
    onSignedOut,
    /** Every later attempt (after the queued `sources`) runs this. */
    otherwise(source: (signal: AbortSignal) => Promise<string | null>) {
      fallback = source;
    },
    /** Joins a caller with the given budget (ms from now) and records its outcome and when it came. */
    join(budget: number) {
      const box: { value?: string | null; error?: unknown; done: boolean; at?: number } = { done: false };
      flight.join({
        deadline: Date.now() + budget,
        resolve: (value) => Object.assign(box, { value, done: true, at: Date.now() }),
        reject: (error) => Object.assign(box, { error, done: true, at: Date.now() }),
      });
      return box;
    },
  };
}

export const networkFailure = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
export const hang = () => new Promise<never>(() => undefined);

/** A client on the minting source with fake-timer clocks and no jitter, recording its events. */
export function flightClient(options: Partial<TokenClientOptions> = {}) {
  const network = fakeNetwork();
  const source = mintingSource(60);
  const events: TokenEvent[] = [];
  const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now() }, random: () => 0, ...options });
  client.subscribe((event) => events.push(event));
  return { client, network, source, events };
}
