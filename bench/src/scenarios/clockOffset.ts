import { observe, perLibrary } from '../harness/drive';
import { roundTrip, seededRandom, uniformInt } from '../harness/random';
import { formatNumber, median, realMs } from '../harness/stats';
import type { DrivenLibrary, LibrarySession } from '../libraries/library';
import { defineScenario, type ScenarioContext } from '../registry';
import { measured, notAvailable, type Cell, type Row } from '../results';

/** Long-lived tokens: no refresh of the library's own comes between the forced ones. */
const TTL = 3600;
const OFFSET_MINUTES = 10;
const CHECKPOINTS = [1, 3, 10] as const;
/** The last checkpoint. */
const FETCHES = 10;
const TRIP_MIN_MS = 20;
const TRIP_MAX_MS = 60;
/** Virtual time between two fetches: about a token lifetime of the short-lived kind. */
const GAP_MIN_MS = 20_000;
const GAP_MAX_MS = 90_000;
/** A fetch (or a sign-in) that has not settled after this much virtual time failed the run. */
const CALL_CAP_MS = 60_000;
/** ... or after this much real time with no timer to move to. */
const REAL_CAP_MS = 30_000;

/**
 * Peers that do not learn the server's clock, and what they do instead, as read in the installed
 * builds (bench/node_modules). Their cells say so; no offset of theirs exists to measure.
 */
export const DOES_NOT_LEARN: Readonly<Record<string, string>> = {
  supabase:
    'does not learn the server clock: it keeps the server\'s absolute expires_at (else device time + expires_in: lib/fetch.js) and compares expires_at × 1000 − Date.now() with a fixed 90 s margin on the device clock (GoTrueClient.js)',
  auth0:
    'does not learn the server clock: its cache counts the relative expires_in from the device clock (expiresAt = floor(Date.now() / 1000) + expires_in: src/cache/cache-manager.ts); ID-token exp/iat are checked against the device clock with a fixed leeway (60 s: src/jwt.ts)',
  firebase:
    'does not learn the server clock: StsTokenManager counts a relative lifetime (expiresIn, else exp − iat) from the device clock (expirationTime = Date.now() + expiresIn × 1000) and refreshes 30 s before it (@firebase/auth dist/node-esm)',
  oidc: 'does not learn the server clock: expires_at = floor(expires_in) + the device clock in seconds (Timer.getEpochTime(): dist/esm/oidc-client-ts.js); no clock-skew setting in 3.x',
  clerk:
    'does not learn the server clock: its token cache compares the token\'s iat with the device clock (Math.floor(Date.now() / 1e3) − iat) and drops it 5 s before exp − iat; the expiry timer is exp − the device clock (dist/clerk.mjs)',
};

export interface TrialReading {
  fetches: number;
  /** |estimate − true offset|, ms. */
  error: number;
  /** Width of the library's bounds, ms, where it keeps bounds. */
  width: number | undefined;
  /** Whether the true offset lies within the bounds, where it keeps bounds. */
  inside: boolean | undefined;
}

/** What one reading of a library's learned offset says against the true offset. */
export function judgeReading(fetches: number, trueOffset: number, learned: { estimate: number; bounds?: { low: number; high: number } }): TrialReading {
  const { estimate, bounds } = learned;
  return {
    fetches,
    error: Math.abs(estimate - trueOffset),
    width: bounds ? bounds.high - bounds.low : undefined,
    inside: bounds ? bounds.low <= trueOffset && trueOffset <= bounds.high : undefined,
  };
}

/** `value` mod 1000, in [0, 1000). */
function msIntoSecond(value: number): number {
  return ((value % 1000) + 1000) % 1000;
}

/**
 * Runs `call` to completion, moving virtual time only from timer to timer: to the network's waits
 * (and any timer of the library's own due within a second), never while the call is busy with
 * real work (an import, parsing, a signature) between them, so each reading is taken the moment
 * the answer lands and the same seed gives the same clocks in every run. A call still waiting
 * after that is given its farther timers, up to `CALL_CAP_MS` of virtual time.
 */
async function settleCall<T>(context: ScenarioContext, what: string, call: () => Promise<T>): Promise<T> {
  const { time } = context.bench;
  const pending = observe(time, call);
  const start = time.monotonicNow();
  const realStart = realMs();
  let idle = 0;
  for (;;) {
    await time.settle();
    const settled = pending.settled();
    if (settled) {
      if (!settled.ok) throw settled.error;
      return settled.value as T;
    }
    const next = time.nextTimerIn;
    if (next !== undefined && (next <= 1_000 || idle >= 200)) {
      if (time.monotonicNow() - start + next > CALL_CAP_MS) throw new Error(`${what} did not settle within ${CALL_CAP_MS / 1000} s of virtual time`);
      idle = 0;
      await time.advance(next);
      continue;
    }
    idle++;
    if (realMs() - realStart > REAL_CAP_MS) throw new Error(`${what} did not settle within ${REAL_CAP_MS / 1000} s of real time`);
  }
}

/**
 * One session: the server's clock `trueOffset` ms from the device's, every request delayed by a
 * seeded 20–60 ms round trip, a sign-in (the first fetch), then forced refreshes 20–90 s apart; the
 * learned offset is read the moment the 1st, 3rd and 10th token has landed.
 */
async function trial(context: ScenarioContext, library: DrivenLibrary, trueOffset: number, seed: number): Promise<TrialReading[]> {
  const { time, net } = context.bench;
  // Two streams, so the gaps do not shift with how many requests a library's sign-in makes.
  const trips = seededRandom(seed);
  const plan = seededRandom(seed ^ 0x5bd1e995);
  time.enterVirtual();
  time.clientSkew = -trueOffset;
  net.latency = () => roundTrip(trips, TRIP_MIN_MS, TRIP_MAX_MS);
  try {
    // Start at a seeded point of the server's second.
    await time.advance(msIntoSecond(uniformInt(plan, 0, 999) - time.trueNow()));
    const session = await settleCall(context, 'sign-in', () => library.open(context.bench, TTL));
    try {
      const { refresh, learnedClockOffset } = session as Required<LibrarySession>;
      if (!refresh || !learnedClockOffset) throw new Error('the adapter exposes no refresh() / learnedClockOffset()');
      const readings: TrialReading[] = [];
      for (let fetches = 1; fetches <= FETCHES; fetches++) {
        if (fetches > 1) {
          await time.advance(uniformInt(plan, GAP_MIN_MS, GAP_MAX_MS));
          const before = net.total;
          await settleCall(context, 'refresh', () => refresh.call(session));
          if (net.total - before !== 1) throw new Error(`a forced refresh made ${net.total - before} requests, not 1`);
        }
        if (!(CHECKPOINTS as readonly number[]).includes(fetches)) continue;
        const learned = learnedClockOffset.call(session);
        if (!learned) throw new Error(`no offset learned after ${fetches} fetch(es)`);
        readings.push(judgeReading(fetches, trueOffset, learned));
      }
      return readings;
    } finally {
      await session.close();
      await time.settle();
    }
  } finally {
    net.latency = undefined;
    time.clientSkew = 0;
    time.exitVirtual();
  }
}

const SIDES = [
  { id: 'ahead', sign: 1, label: `+${OFFSET_MINUTES} min` },
  { id: 'behind', sign: -1, label: `−${OFFSET_MINUTES} min` },
] as const;

/**
 * Scenario 6b: how well a library knows the server's clock after 1, 3 and 10 token fetches. The
 * server's clock is 10 minutes (plus a seeded fraction of a second) ahead of the device's, or
 * behind it; every request takes a 20–60 ms round trip split at random between the two ways. The
 * figure is |learned − true offset| in ms, the median over seeded sessions that give every library
 * the same conditions; the same run measures every library. Virtual time: the servers read their
 * clocks, and the libraries theirs, exactly when the network delivers, so a run's figures repeat.
 */
export const clockOffset = defineScenario({
  id: 'offset',
  title: '6b. Learned server-clock offset: error after 1, 3 and 10 token fetches',
  run: (context) => {
    const trials = context.quick ? 15 : 45;
    const rows: Array<Omit<Row, 'cells'>> = SIDES.flatMap((side) =>
      CHECKPOINTS.map((fetches) => ({
        id: `offset-${side.id}-${fetches}`,
        scenario: '6b',
        label: `server clock ${side.label} from the device's; fetches ${GAP_MIN_MS / 1000}–${GAP_MAX_MS / 1000} s apart, ${TRIP_MIN_MS}–${TRIP_MAX_MS} ms round trips: offset error after ${fetches} token fetch${fetches === 1 ? '' : 'es'}`,
        unit: 'ms, |learned − true offset| (ideal: 0)',
      })),
    );
    return perLibrary(context, rows, async (library) => {
      const reason = DOES_NOT_LEARN[library.id];
      if (reason) return Object.fromEntries(rows.map((row) => [row.id, notAvailable(reason)]));
      const cells: Record<string, Cell> = {};
      for (const side of SIDES) {
        const readings: TrialReading[] = [];
        for (let t = 0; t < trials; t++) {
          // The same seed per trial and side for every library: the same conditions for all.
          const seed = (t + 1) * 7919 + (side.sign > 0 ? 0 : 104_729);
          const fraction = uniformInt(seededRandom(seed ^ 0x1b873593), 0, 999);
          readings.push(...(await trial(context, library, side.sign * (OFFSET_MINUTES * 60_000 + fraction), seed)));
        }
        for (const fetches of CHECKPOINTS) {
          const at = readings.filter((r) => r.fetches === fetches);
          const error = median(at.map((r) => r.error));
          const worst = Math.max(...at.map((r) => r.error));
          const widths = at.flatMap((r) => (r.width === undefined ? [] : [r.width]));
          const inside = at.filter((r) => r.inside).length;
          const bounds = widths.length ? `; its bounds ${formatNumber(median(widths))} ms wide (median), the true offset inside them in ${inside} of ${at.length}` : '';
          const how = library.id === 'keycloak' ? 'kc.timeSkew (whole seconds)' : library.id === 'tokenwarden' ? 'snapshot().serverOffset' : 'learned offset';
          const close = at.filter((r) => r.error <= 100).length;
          cells[`offset-${side.id}-${fetches}`] = measured(error, `${formatNumber(error)} ms`, `${how}: median of ${at.length} sessions, worst ${formatNumber(worst)} ms, within 100 ms in ${close}${bounds}`);
        }
      }
      return cells;
    });
  },
});
