import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, makeJwt, noWake } from '../test/helpers';
import { createTokenClient, type TokenClient } from './client';
import { TokenError } from './errors';
import { MIN_ATTEMPT_GAP } from './flight';
import type { Coordinator, CoordinatorHost, FetchTokenContext, FetchTokenResult } from './types';

/**
 * Model-based test of the promise table (README, "What getToken() promises"): random
 * interleavings of hostile commands against a real client, a fake token server with its own clock,
 * and a coordinator that delivers stale, future and over-long tokens. After every command the
 * invariants are the promises themselves:
 * - `null` only after a sign-out (a `clear()`, or the server saying signed out) since the call;
 * - never a token with `minValidity` or less left, or before its `nbf`, by the server's clock;
 * - never a token minted before the last sign-out that preceded the call;
 * - at most one request in flight per key; after a failure, none sooner than the minimum gap;
 * - only typed errors, no unhandled rejection, no timer left after `destroy()`.
 */

const KEYS = [{}, { template: 't' }];
type ServerMode =
  | { kind: 'ok'; serverTime: boolean }
  | { kind: 'network' }
  | { kind: 'server'; status: 503 | 429; retryAfter: number | string | undefined }
  | { kind: 'signed-out' }
  | { kind: 'future' }
  | { kind: 'hang' };

interface Real {
  client: TokenClient;
  host: () => CoordinatorHost;
  network: ReturnType<typeof fakeNetwork>;
  violations: string[];
  pending: Promise<unknown>[];
  /** Sign-outs so far (clear() calls, and answers that said signed out), with their server times. */
  signOuts: number[];
  serverOffset: number;
  clientSkew: number;
  mode: ServerMode;
  latency: number;
  ttl: number;
  minValidity: number;
  minted: number;
  /** A sign-out starts a new session: pacing restarts with it. */
  onClear?: () => void;
}

interface Model {
  readonly note: 'the real client is the system under test; invariants are checked on it';
}

const serverNow = (real: Real) => Date.now() + real.serverOffset;

function mint(real: Real, atServer: number, extra: Record<string, unknown> = {}, ttl = real.ttl): string {
  const iat = Math.floor(atServer / 1000);
  return makeJwt({ iat, nbf: iat, exp: iat + ttl, n: ++real.minted, epoch: real.signOuts.length, offset: real.serverOffset, ...extra });
}

/** An opaque token the judge can still read: `opaque:<expiresAt ms>:<epoch>:<server offset>`. */
function opaque(real: Real, expiresAt: number): string {
  return `opaque:${expiresAt}:${real.signOuts.length}:${real.serverOffset}:${++real.minted}`;
}

interface Claims {
  exp: number;
  iat: number;
  nbf: number;
  epoch: number;
  offset: number;
  /** Serial: the order in which the server (or a delivering participant) minted it. */
  n: number;
}

function claimsOf(token: string): Claims {
  if (token.startsWith('opaque:')) {
    const [, expiresAt, epoch, offset, n] = token.split(':').map(Number) as [number, number, number, number, number];
    // Opaque deliveries in these scenarios always last one token lifetime: no lifetime to judge.
    return { exp: expiresAt / 1000, iat: expiresAt / 1000 - 1, nbf: Number.NEGATIVE_INFINITY, epoch, offset, n };
  }
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Claims;
}

/** Longest lifetime the scenarios allow a delivered token (`maxTokenLifetime`), s. */
const MAX_LIFETIME = 86_400;

/** Checks one outcome of getToken against the promise table. */
/** How many outcomes were judged, by kind, over the whole run: a test that judges nothing proves nothing. */
const judged = { token: 0, null: 0, error: 0 };

function judge(real: Real, call: { signOuts: number; minted: number; skipCache: boolean }, outcome: { token?: string | null; error?: unknown }): void {
  const signOutsAtCall = call.signOuts;
  judged['error' in outcome ? 'error' : outcome.token === null ? 'null' : 'token']++;
  if ('error' in outcome) {
    if (!TokenError.is(outcome.error) && !(outcome.error instanceof TypeError)) real.violations.push(`untyped error: ${String(outcome.error)}`);
    return;
  }
  const token = outcome.token;
  if (token === null || token === undefined) {
    if (real.signOuts.length === signOutsAtCall) real.violations.push('null without a sign-out since the call');
    return;
  }
  const claims = claimsOf(token);
  // Forward steps of the server clock after minting cannot be known until the next answer: judge
  // by the earlier of the mint-time and current server clock for expiry, the later one for nbf.
  const early = Date.now() + Math.min(claims.offset, real.serverOffset);
  const late = Date.now() + Math.max(claims.offset, real.serverOffset);
  if (claims.exp * 1000 - early <= real.minValidity * 1000) real.violations.push(`token with ${claims.exp * 1000 - early} ms left served`);
  if (claims.nbf * 1000 > late) real.violations.push('token served before its nbf');
  if (claims.epoch < signOutsAtCall) real.violations.push('token from before a sign-out served');
  if (claims.exp - claims.iat > MAX_LIFETIME) real.violations.push('a delivered token beyond maxTokenLifetime served');
  // skipCache: the token minted for that call, or a later one; never the one it replaced.
  if (call.skipCache && claims.n <= call.minted) real.violations.push('skipCache answered with a token minted before the call');
}

function read(real: Real, keyIndex: number, skipCache: boolean, rereads: number): Promise<void> {
  const call = { signOuts: real.signOuts.length, minted: real.minted, skipCache };
  return real.client.getToken({ ...KEYS[keyIndex], skipCache }).then(
    (token) => judge(real, call, { token }),
    (error) => {
      judge(real, call, { error });
      // A caller's retry loop: ask again inside the rejection handler.
      if (rereads > 0) return read(real, keyIndex, false, rereads - 1);
      return undefined;
    },
  );
}

type Cmd = fc.AsyncCommand<Model, Real>;

const cmd = (name: string, run: (real: Real) => Promise<void> | void): Cmd => ({
  check: () => true,
  run: async (_model, real) => {
    await run(real);
  },
  toString: () => name,
});

const readCommand = fc
  .record({ key: fc.integer({ min: 0, max: 1 }), skipCache: fc.boolean(), rereads: fc.integer({ min: 0, max: 3 }) })
  .map(({ key, skipCache, rereads }) =>
    cmd(`read(${key}, skip=${skipCache}, rereads=${rereads})`, (real) => {
      real.pending.push(read(real, key, skipCache, rereads));
    }),
  );

const commands = [
  readCommand,
  readCommand,
  fc.record({ key: fc.integer({ min: 0, max: 1 }), skipCache: fc.boolean(), rereads: fc.integer({ min: 0, max: 3 }) }).map(({ key, skipCache, rereads }) =>
    cmd(`read(${key}, skip=${skipCache}, rereads=${rereads})`, (real) => {
      real.pending.push(read(real, key, skipCache, rereads));
    }),
  ),
  fc.integer({ min: 0, max: 30_000 }).map((ms) => cmd(`advance(${ms})`, () => vi.advanceTimersByTimeAsync(ms).then(() => undefined))),
  fc.integer({ min: 0, max: 600 }).map((ms) => cmd(`tick(${ms})`, () => vi.advanceTimersByTimeAsync(ms).then(() => undefined))),
  // Aim at the edge: move time to just around a key's cutoff, as the client reckons it.
  fc.record({ key: fc.integer({ min: 0, max: 1 }), before: fc.integer({ min: -200, max: 1_500 }) }).map(({ key, before }) =>
    cmd(`toCutoff(${key}, ${before} ms before)`, async (real) => {
      const snapshot = real.client.snapshot();
      const entry = snapshot.entries.find((e) => (e.key.template ?? '') === (KEYS[key]?.template ?? ''));
      if (entry?.cutoffAt === undefined) return;
      const ms = entry.cutoffAt - snapshot.now - before;
      if (ms > 0 && ms < 3_600_000) await vi.advanceTimersByTimeAsync(ms);
      real.pending.push(read(real, key, false, 0));
    }),
  ),
  fc.integer({ min: -600_000, max: 600_000 }).map((ms) => cmd(`stepClientClock(${ms})`, (real) => void (real.clientSkew += ms))),
  fc.integer({ min: -600_000, max: 600_000 }).map((ms) => cmd(`stepServerClock(${ms})`, (real) => void (real.serverOffset += ms))),
  fc.boolean().map((online) => cmd(`network(${online})`, (real) => real.network.set(online))),
  fc
    .oneof(
      fc.record({ kind: fc.constant('ok' as const), serverTime: fc.boolean() }),
      fc.record({ kind: fc.constant('network' as const) }),
      fc.record({
        kind: fc.constant('server' as const),
        status: fc.constantFrom(503 as const, 429 as const),
        retryAfter: fc.oneof(
          fc.constant(undefined),
          fc.integer({ min: -5_000, max: 20_000 }),
          fc.constantFrom(0, 2, Number.NaN),
          fc.constantFrom('0', '3', 'Sun, 06 Nov 1994 08:49:37 GMT', 'garbage'),
        ),
      }),
      fc.record({ kind: fc.constant('signed-out' as const) }),
      fc.record({ kind: fc.constant('future' as const) }),
      fc.record({ kind: fc.constant('hang' as const) }),
    )
    .chain((mode) => fc.integer({ min: 0, max: 2_000 }).map((latency) => ({ mode: mode as ServerMode, latency })))
    .map(({ mode, latency }) =>
      cmd(`server(${JSON.stringify(mode)}, ${latency} ms)`, (real) => {
        real.mode = mode;
        real.latency = latency;
      }),
    ),
  fc
    .record({ key: fc.integer({ min: 0, max: 1 }), kind: fc.constantFrom('fresh', 'stale', 'future', 'long', 'opaque', 'garbage') })
    .map(({ key, kind }) =>
      cmd(`deliver(${key}, ${kind})`, (real) => {
        const now = serverNow(real);
        let shared: Parameters<CoordinatorHost['offer']>[1];
        if (kind === 'fresh') shared = mint(real, now);
        else if (kind === 'future') shared = mint(real, now + 3_600_000);
        else if (kind === 'long') shared = mint(real, now, {}, 10 * 365 * 86_400);
        else if (kind === 'garbage') shared = 'not-a-token';
        else if (kind === 'opaque') shared = { token: opaque(real, now + real.ttl * 1000), expiresAt: now + real.ttl * 1000, issuedAt: now };
        else {
          // Minted a while ago, in the session of its time: from before a sign-out if one came since.
          const at = now - 2_000 - Math.floor(real.ttl * 500);
          shared = mint(real, at, { epoch: real.signOuts.filter((t) => t <= at).length });
        }
        real.host().offer(KEYS[key] as never, shared);
      }),
    ),
  fc.constant(
    cmd('clear()', (real) => {
      real.signOuts.push(serverNow(real));
      real.onClear?.();
      real.client.clear();
    }),
  ),
];

interface Options {
  ttl: number;
  minValidity: number;
  refreshMargin: ((ttl: number) => number) | undefined;
}

async function scenario(cmds: Iterable<Cmd>, { ttl, minValidity, refreshMargin }: Options): Promise<string[]> {
  const network = fakeNetwork();
  let host!: CoordinatorHost;
  const coordinator: Coordinator = {
    connect(h) {
      host = h;
      return { acquire: async () => () => undefined, publish: () => undefined, invalidate: () => undefined, close: () => undefined };
    },
  };
  const inFlight = new Map<string, Set<AbortSignal>>();
  const lastFailureEnd = new Map<string, number>();
  const real: Real = {
    client: undefined as never,
    host: () => host,
    network,
    violations: [],
    pending: [],
    signOuts: [],
    serverOffset: 0,
    clientSkew: 0,
    mode: { kind: 'ok', serverTime: true },
    latency: 0,
    ttl,
    minValidity,
    minted: 0,
    onClear: () => lastFailureEnd.clear(),
  };

  const fetchToken = async (ctx: FetchTokenContext): Promise<FetchTokenResult> => {
    const id = ctx.template ?? '';
    const active = inFlight.get(id) ?? new Set<AbortSignal>();
    inFlight.set(id, active);
    for (const signal of active) if (signal.aborted) active.delete(signal);
    if (active.size > 0) real.violations.push(`two requests in flight for key '${id}'`);
    const failedAt = lastFailureEnd.get(id);
    if (failedAt !== undefined && Date.now() - failedAt < MIN_ATTEMPT_GAP) real.violations.push(`request ${Date.now() - failedAt} ms after a failure`);
    active.add(ctx.signal);
    const mode = real.mode;
    let failed = true;
    try {
      if (mode.kind === 'hang') await new Promise(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, real.latency));
      const now = serverNow(real);
      if (mode.kind === 'network') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
      if (mode.kind === 'server') throw Object.assign(new Error('busy'), { status: mode.status, ...(typeof mode.retryAfter === 'string' ? { headers: new Headers({ 'retry-after': mode.retryAfter }) } : { retryAfter: mode.retryAfter }) });
      failed = false;
      if (mode.kind === 'signed-out') {
        real.signOuts.push(now);
        return null;
      }
      // A Date header has whole seconds; a skewed issuer node stamps its own (future) clock.
      const serverTime = Math.floor(now / 1000) * 1000;
      if (mode.kind === 'future') return { token: mint(real, now + 3_600_000), serverTime };
      const token = mint(real, now);
      return mode.serverTime ? { token, serverTime } : token;
    } finally {
      active.delete(ctx.signal);
      // An aborted request (timeout, clear()) ended, for the client, when it was aborted.
      if (!ctx.signal.aborted) {
        if (failed) lastFailureEnd.set(id, Date.now());
        else lastFailureEnd.delete(id);
      }
    }
  };

  real.client = createTokenClient({
    fetchToken,
    network,
    wake: noWake,
    coordinator,
    minValidity,
    ...(refreshMargin ? { refreshMargin } : {}),
    maxTokenLifetime: MAX_LIFETIME,
    requestTimeout: 4_000,
    clock: { now: () => Date.now() + real.clientSkew, monotonic: () => Date.now() },
  });
  await fc.asyncModelRun(() => ({ model: { note: 'the real client is the system under test; invariants are checked on it' } as Model, real }), cmds);
  real.mode = { kind: 'ok', serverTime: true };
  real.network.set(true);
  await vi.advanceTimersByTimeAsync(60_000);
  await Promise.all(real.pending);
  real.client.destroy();
  await vi.advanceTimersByTimeAsync(10_000);
  if (vi.getTimerCount() !== 0) real.violations.push(`${vi.getTimerCount()} timers left after destroy()`);
  return real.violations;
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 + 123 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('model-based: the promise table holds under random hostile interleavings', () => {
  it('null only after a sign-out; never <= minValidity left or before nbf; nothing from before a sign-out; one request per key; floors; typed errors', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.commands(commands, { maxCommands: 40, size: 'max' }),
          fc.record({
            ttl: fc.constantFrom(10, 30, 60, 300),
            minValidity: fc.constantFrom(1, 5, 5, 30),
            refreshMargin: fc.constantFrom(undefined, undefined, () => 1, (ttl: number) => ttl, () => Number.NaN),
          }),
          async (cmds, options) => {
          vi.setSystemTime(T0 + 123);
          const violations = await scenario(cmds, options);
          expect(violations).toEqual([]);
        },
        ),
        { numRuns: Number(process.env.MODEL_RUNS ?? 120) },
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    expect(judged.token).toBeGreaterThan(100);
    expect(judged.error).toBeGreaterThan(10);
    expect(judged.null).toBeGreaterThan(0);
  }, 300_000);
});
