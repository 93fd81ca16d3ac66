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

// The default key, a template, and a key with every part (an organization of null included), so
// the hit path's lookups by part are exercised; the fake server tells keys apart by template.
const KEYS = [{}, { template: 't' }, { template: 'k', organizationId: null, audience: 'api' }];
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
  /** Per sign-out: when it happened in true (fake timers') time, to date stale deliveries. */
  signOutsAt: number[];
  /** Per sign-out: whether the client's clock had seen the server's current offset (no step since its last answer). */
  signOutKnown: boolean[];
  /** No server clock step since the client's last answer with a clock reading. */
  offsetKnown: boolean;
  /** The server offset the client has had the chance to learn: two answers agreeing on it. */
  learnedOffset: number;
  /** [true time, server offset from then on], oldest first. */
  offsetHistory: Array<[number, number]>;
  answersSinceStep: number;
  answers: number;
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
  // A step of the server clock cannot be known before answers tell of it (the client wants two that
  // agree): judge expiry by the earlier of the current and the learnable server clock, nbf by the
  // latest of those and the clock the token was minted by (a step back after minting is news too).
  // Until its first answer the client has only its local clock to stand in for the server's (as
  // every client does): its own skew then counts as learned.
  const uncalibrated = real.answers === 0 ? [real.clientSkew] : [];
  const early = Date.now() + Math.min(real.learnedOffset, real.serverOffset, ...uncalibrated);
  const late = Date.now() + Math.max(real.learnedOffset, real.serverOffset, claims.offset, ...uncalibrated);
  if (claims.exp * 1000 - early <= real.minValidity * 1000) {
    real.violations.push(`token with ${claims.exp * 1000 - early} ms left served`);
    if (process.env.MODEL_DEBUG) console.log({ now: Date.now(), claims, serverOffset: real.serverOffset, learned: real.learnedOffset, answers: real.answersSinceStep, snapshot: real.client.snapshot() });
  }
  if (claims.nbf * 1000 > late) {
    real.violations.push('token served before its nbf');
    if (process.env.MODEL_DEBUG) console.log({ now: Date.now(), claims, serverOffset: real.serverOffset, learned: real.learnedOffset, snapshot: real.client.snapshot() });
  }
  // A sign-out is judged by the server time the client could know: after a server clock step it has
  // not yet heard of, no client can tell a token minted just before it from one minted after.
  if (real.signOutKnown.slice(claims.epoch, signOutsAtCall).some(Boolean)) real.violations.push('token from before a sign-out served');
  if (claims.exp - claims.iat > MAX_LIFETIME) real.violations.push('a delivered token beyond maxTokenLifetime served');
  // skipCache: the token minted for that call, or a later one; never the one it replaced.
  if (call.skipCache && claims.n <= call.minted) real.violations.push('skipCache answered with a token minted before the call');
}

function read(real: Real, keyIndex: number, skipCache: boolean, rereads: number): Promise<void> {
  const call = { signOuts: real.signOuts.length, minted: real.minted, skipCache };
  // As apps call it: no argument for the default key, a fresh options object otherwise.
  const pending = skipCache ? real.client.getToken({ ...KEYS[keyIndex], skipCache }) : keyIndex === 0 ? real.client.getToken() : real.client.getToken({ ...KEYS[keyIndex] });
  return pending.then(
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

type DeliveryKind = 'fresh' | 'stale' | 'future' | 'nbf-ahead' | 'long' | 'opaque' | 'garbage';

/** The commands, by name: the arbitraries below draw their arguments; regressions replay them as they are. */
const Do = {
  read: (key: number, skipCache: boolean, rereads: number) =>
    cmd(`read(${key}, skip=${skipCache}, rereads=${rereads})`, (real) => {
      real.pending.push(read(real, key, skipCache, rereads));
    }),
  advance: (ms: number) => cmd(`advance(${ms})`, () => vi.advanceTimersByTimeAsync(ms).then(() => undefined)),
  /** Aim at the edge: move time to around a key's cutoff, as the client reckons it, and read. */
  toCutoff: (key: number, before: number) =>
    cmd(`toCutoff(${key}, ${before} ms before)`, async (real) => {
      const snapshot = real.client.snapshot();
      const entry = snapshot.entries.find((e) => (e.key.template ?? '') === (KEYS[key]?.template ?? ''));
      if (entry?.cutoffAt === undefined) return;
      const ms = entry.cutoffAt - snapshot.now - before;
      if (ms > 0 && ms < 3_600_000) await vi.advanceTimersByTimeAsync(ms);
      real.pending.push(read(real, key, false, 0));
    }),
  stepClientClock: (ms: number) => cmd(`stepClientClock(${ms})`, (real) => void (real.clientSkew += ms)),
  stepServerClock: (ms: number) =>
    cmd(`stepServerClock(${ms})`, (real) => {
      real.serverOffset += ms;
      real.offsetHistory.push([Date.now(), real.serverOffset]);
      real.answersSinceStep = 0;
      real.offsetKnown = real.serverOffset === real.learnedOffset;
    }),
  network: (online: boolean) => cmd(`network(${online})`, (real) => real.network.set(online)),
  server: (mode: ServerMode, latency: number) =>
    cmd(`server(${JSON.stringify(mode)}, ${latency} ms)`, (real) => {
      real.mode = mode;
      real.latency = latency;
    }),
  deliver: (key: number, kind: DeliveryKind) =>
    cmd(`deliver(${key}, ${kind})`, (real) => {
      const now = serverNow(real);
      let shared: Parameters<CoordinatorHost['offer']>[1];
      if (kind === 'fresh') shared = mint(real, now);
      else if (kind === 'future') shared = mint(real, now + 3_600_000);
      else if (kind === 'nbf-ahead') shared = mint(real, now, { nbf: Math.floor(now / 1000) + 60 });
      else if (kind === 'long') shared = mint(real, now, {}, 10 * 365 * 86_400);
      else if (kind === 'garbage') shared = 'not-a-token';
      else if (kind === 'opaque') shared = { token: opaque(real, now + real.ttl * 1000), expiresAt: now + real.ttl * 1000, issuedAt: now };
      else {
        // Minted a while ago, in the session of its time: from before a sign-out if one came since.
        // Stamped by the server clock of its time; while the server's clock has stepped unheard of,
        // its iat cannot date the token for the client, so it counts as of the current session.
        const mintedAt = Date.now() - 2_000 - Math.floor(real.ttl * 500);
        const offsetThen = [...real.offsetHistory].reverse().find(([at]) => at <= mintedAt)?.[1] ?? 0;
        const epoch = real.offsetKnown ? real.signOutsAt.filter((t) => t <= mintedAt).length : real.signOuts.length;
        shared = mint(real, mintedAt + offsetThen, { epoch, offset: offsetThen });
      }
      real.host().offer(KEYS[key] as never, shared);
    }),
  clear: () =>
    cmd('clear()', (real) => {
      real.signOuts.push(serverNow(real));
      real.signOutsAt.push(Date.now());
      real.signOutKnown.push(real.offsetKnown);
      real.onClear?.();
      real.client.clear();
    }),
};

const readCommand = fc
  .record({ key: fc.integer({ min: 0, max: KEYS.length - 1 }), skipCache: fc.boolean(), rereads: fc.integer({ min: 0, max: 3 }) })
  .map(({ key, skipCache, rereads }) => Do.read(key, skipCache, rereads));

const serverMode: fc.Arbitrary<ServerMode> = fc.oneof(
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
);

const commands = [
  readCommand,
  readCommand,
  readCommand,
  fc.integer({ min: 0, max: 30_000 }).map(Do.advance),
  fc.integer({ min: 0, max: 600 }).map(Do.advance),
  fc.record({ key: fc.integer({ min: 0, max: KEYS.length - 1 }), before: fc.integer({ min: -200, max: 1_500 }) }).map(({ key, before }) => Do.toCutoff(key, before)),
  fc.integer({ min: -600_000, max: 600_000 }).map(Do.stepClientClock),
  fc.integer({ min: -600_000, max: 600_000 }).map(Do.stepServerClock),
  fc.boolean().map(Do.network),
  fc.tuple(serverMode, fc.integer({ min: 0, max: 2_000 })).map(([mode, latency]) => Do.server(mode, latency)),
  fc
    .tuple(fc.integer({ min: 0, max: KEYS.length - 1 }), fc.constantFrom<DeliveryKind>('fresh', 'stale', 'future', 'nbf-ahead', 'long', 'opaque', 'garbage'))
    .map(([key, kind]) => Do.deliver(key, kind)),
  fc.constant(Do.clear()),
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
    signOutsAt: [],
    signOutKnown: [],
    offsetKnown: true,
    learnedOffset: 0,
    offsetHistory: [[Number.NEGATIVE_INFINITY, 0]],
    answersSinceStep: 0,
    answers: 0,
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
        // An answer the client no longer listens for (aborted by clear() or a timeout) signs no one out.
        if (ctx.signal.aborted) return null;
        real.signOuts.push(now);
        real.signOutsAt.push(Date.now());
        real.signOutKnown.push(real.offsetKnown);
        return null;
      }
      // A Date header has whole seconds; a skewed issuer node stamps its own (future) clock. Both
      // answers are readings of the server's clock the client learns from, unless it stopped listening.
      const serverTime = Math.floor(now / 1000) * 1000;
      if (!ctx.signal.aborted) {
        real.answersSinceStep++;
        real.answers++;
        // The client takes its first reading at once, later ones once a second agrees.
        if (real.answersSinceStep >= 2 || real.answers === 1) real.learnedOffset = real.serverOffset;
        real.offsetKnown = real.serverOffset === real.learnedOffset;
      }
      if (mode.kind === 'future') return { token: mint(real, now + 3_600_000), serverTime };
      const token = mint(real, now);
      return mode.kind === 'ok' && !mode.serverTime ? token : { token, serverTime };
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
        {
          numRuns: Number(process.env.MODEL_RUNS ?? 400),
          // Replays a reported counterexample: MODEL_SEED=… MODEL_PATH=… npx vitest run …
          ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED), path: process.env.MODEL_PATH, endOnFailure: true } : {}),
        },
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

describe('model-based: counterexamples it found, kept as fixed cases', () => {
  const cases: Array<[string, Cmd[], Options]> = [
    [
      'server clock stepped back and forth around a cutoff read',
      [Do.read(0, false, 0), Do.read(1, false, 0), Do.advance(0), Do.stepServerClock(-7125), Do.toCutoff(0, 0), Do.advance(377), Do.read(0, true, 1), Do.stepServerClock(7125), Do.stepClientClock(0)],
      { ttl: 10, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a server clock stepped across a second boundary',
      [Do.read(1, false, 0), Do.stepServerClock(877), Do.advance(0), Do.stepServerClock(-1), Do.read(1, false, 0)],
      { ttl: 10, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a first answer from a stepped server clock, then a step back',
      [Do.stepServerClock(-5124), Do.read(1, false, 0), Do.advance(2877), Do.read(1, true, 1), Do.stepServerClock(5124), Do.server({ kind: 'future' }, 0)],
      { ttl: 10, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a first answer from a stepped server clock, after a delivery',
      [Do.stepServerClock(-1124), Do.read(1, false, 0), Do.deliver(0, 'fresh'), Do.advance(0), Do.stepServerClock(2), Do.toCutoff(1, 501), Do.stepClientClock(0)],
      { ttl: 10, minValidity: 5, refreshMargin: undefined },
    ],
    [
      'a stale delivery just after a second sign-out',
      [Do.clear(), Do.stepServerClock(-124), Do.read(0, false, 0), Do.advance(0), Do.clear(), Do.advance(17_001), Do.read(0, false, 0), Do.deliver(0, 'stale'), Do.read(0, false, 0), Do.advance(0)],
      { ttl: 30, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a first answer from a stepped server clock, then a step back (ttl 300)',
      [Do.read(0, false, 0), Do.clear(), Do.advance(0), Do.stepServerClock(-285_124), Do.read(0, false, 0), Do.advance(12_877), Do.stepServerClock(285_124), Do.read(0, false, 0), Do.server({ kind: 'future' }, 0)],
      { ttl: 300, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a delivery judged by a local clock 60 s fast before any answer (not a violation: nothing better is known)',
      [Do.stepClientClock(59_872), Do.read(1, false, 0), Do.deliver(1, 'nbf-ahead'), Do.read(1, false, 0), Do.stepServerClock(0)],
      { ttl: 300, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a local wall clock stepped 58 s forward after the first answer, then an nbf-ahead delivery',
      [Do.read(1, false, 0), Do.advance(0), Do.stepClientClock(58_118), Do.toCutoff(1, 0), Do.deliver(1, 'nbf-ahead'), Do.read(1, false, 0), Do.read(0, false, 0)],
      { ttl: 300, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a forced read joining a flight that a delivery overtook',
      [Do.server({ kind: 'hang' }, 0), Do.read(1, false, 0), Do.deliver(1, 'fresh'), Do.read(1, true, 0), Do.stepServerClock(0)],
      { ttl: 10, minValidity: 1, refreshMargin: undefined },
    ],
    [
      'a stale delivery after a sign-out the client could not date',
      [Do.stepServerClock(127_136), Do.clear(), Do.server({ kind: 'future' }, 0), Do.read(1, false, 0), Do.advance(24_741), Do.deliver(1, 'stale'), Do.toCutoff(1, 0)],
      { ttl: 300, minValidity: 1, refreshMargin: undefined },
    ],
  ];
  it.each(cases)('%s', async (_, cmds, options) => {
    vi.setSystemTime(T0 + 123);
    expect(await scenario(cmds, options)).toEqual([]);
  });

  it('an idle key evicted right after its background fetch failed: the next read still waits the minimum gap (300 jitter draws)', async () => {
    // Found under mutation testing's dry run: a 'cold' fetch nobody waited for failed, the key was
    // evicted as idle a millisecond later, and its pacer with it, so the forced read that followed
    // fetched at once. It shows only for some jitter draws (about 3 in 100): replayed 300 times.
    const cmds = [
      Do.clear(), Do.server({ kind: 'server', status: 429, retryAfter: '0' }, 1_850), Do.read(0, false, 2), Do.advance(22_376), Do.advance(26_875), Do.read(1, false, 0),
      Do.deliver(0, 'future'), Do.advance(29_806), Do.stepServerClock(347_331), Do.read(0, true, 3), Do.clear(), Do.read(0, true, 2),
    ];
    for (let run = 0; run < 300; run++) {
      vi.setSystemTime(T0 + 123);
      expect(await scenario(cmds, { ttl: 60, minValidity: 30, refreshMargin: () => Number.NaN })).toEqual([]);
    }
  });
});
