import type { DrivenLibrary, LibrarySession } from '../libraries/library';
import type { ScenarioContext } from '../registry';
import { notAvailable, type Cell, type Row } from '../results';
import { jwtExp } from './jwt';
import { realMs } from './stats';
import { realTimers, type TimeControl } from './timeControl';

type Rows = Record<string, Cell>;

/**
 * Runs `measure` for every driven library and fills rule-only libraries from their rules. A library
 * that throws gets "n/a" with the error in every row of this scenario: a failure is reported, not
 * hidden and not turned into a number.
 */
export async function perLibrary(
  context: ScenarioContext,
  rows: Array<Omit<Row, 'cells'>>,
  measure: (library: DrivenLibrary) => Promise<Rows>,
): Promise<Row[]> {
  const table: Row[] = rows.map((row) => ({ ...row, cells: {} }));
  for (const library of context.libraries) {
    if (library.kind === 'rules') {
      for (const row of table) row.cells[library.id] = library.rules[row.id] ? { kind: 'rule', text: library.rules[row.id] as string } : notAvailable(library.reason);
      continue;
    }
    context.log(`  ${library.name}`);
    let cells: Rows;
    try {
      cells = await measure(library);
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      context.log(`    failed: ${message}`);
      cells = Object.fromEntries(table.map((row) => [row.id, notAvailable(`run failed: ${message.slice(0, 160)}`)]));
    } finally {
      // Whatever a run left behind (virtual time, offline, a skewed clock, added latency) ends with it.
      context.bench.time.exitVirtual();
      context.bench.time.clientSkew = 0;
      context.bench.net.setOnline(true);
      context.bench.net.latency = undefined;
    }
    for (const row of table) row.cells[library.id] = cells[row.id] ?? notAvailable('not measured');
  }
  return table;
}

/** Opens a session, runs `body`, and closes the session whatever happens. */
export async function withSession<T>(library: DrivenLibrary, context: ScenarioContext, ttl: number, body: (session: LibrarySession) => Promise<T>): Promise<T> {
  const session = await library.open(context.bench, ttl);
  try {
    return await body(session);
  } finally {
    await session.close();
    // Let pending timers of the closed session drain where virtual time is running.
    if (context.bench.time.virtual) await context.bench.time.settle();
  }
}

export interface Settled {
  ok: boolean;
  value: unknown;
  error: unknown;
  /** Real ms from the call to its settling. */
  realMs: number;
  /** Virtual ms from the call to its settling (0 outside virtual time). */
  virtualMs: number;
}

/** Starts `call` and records, at the moment it settles, how much real and virtual time it took. */
export function observe(time: TimeControl, call: () => Promise<unknown>): { settled: () => Settled | undefined; done: Promise<Settled> } {
  const startReal = realMs();
  const startVirtual = time.monotonicNow();
  const virtual = time.virtual;
  let result: Settled | undefined;
  const finish = (ok: boolean, value: unknown, error: unknown): Settled => {
    const end = realMs();
    // In virtual mode monotonicNow() moves only with virtual time, so the two parts do not overlap.
    result = { ok, value, error, realMs: end - startReal, virtualMs: virtual ? time.monotonicNow() - startVirtual : 0 };
    return result;
  };
  let done: Promise<Settled>;
  try {
    done = call().then(
      (value) => finish(true, value, undefined),
      (error: unknown) => finish(false, undefined, error),
    );
  } catch (error) {
    done = Promise.resolve(finish(false, undefined, error));
  }
  return { settled: () => result, done };
}

/** Advances virtual time in `step` ms until the call settles or `capMs` of virtual time pass. */
export async function driveUntilSettled(time: TimeControl, pending: { settled: () => Settled | undefined }, capMs: number, step = 100): Promise<Settled | undefined> {
  const start = time.monotonicNow();
  await time.settle();
  while (!pending.settled() && time.monotonicNow() - start < capMs) await time.advance(step);
  return pending.settled();
}

export interface ReadTally {
  reads: number;
  tokens: number;
  /** Tokens handed out whose `exp` had passed on the server's clock when they were handed out. */
  expired: number;
  errors: number;
  nulls: number;
  /** Reads not answered within the same event-loop turn: they waited on a request (or a timer). */
  waited: number;
}

/**
 * The app of scenarios 4–6: calls the library's get-token every `everyMs` for `durationMs` of
 * virtual time, without waiting for earlier calls (an app's requests do not queue behind each
 * other), and tallies what came back.
 */
export async function readEvery(time: TimeControl, session: LibrarySession, everyMs: number, durationMs: number): Promise<ReadTally> {
  const tally: ReadTally = { reads: 0, tokens: 0, expired: 0, errors: 0, nulls: 0, waited: 0 };
  const pending: Array<Promise<void>> = [];
  const end = time.monotonicNow() + durationMs;
  while (time.monotonicNow() < end) {
    tally.reads++;
    let answered = false;
    pending.push(
      session.getToken().finally(() => (answered = true)).then(
        (token) => {
          if (typeof token !== 'string') {
            tally.nulls++;
            return;
          }
          tally.tokens++;
          const exp = jwtExp(token);
          if (exp !== undefined && exp * 1000 <= time.trueNow()) tally.expired++;
        },
        () => {
          tally.errors++;
        },
      ),
    );
    // Every microtask runs before this; no loopback round trip can complete before it.
    await new Promise<void>((resolve) => realTimers.setImmediate(resolve));
    if (!answered) tally.waited++;
    await time.advance(everyMs);
  }
  // Reads still waiting (a retry loop) are given the same cadence until they settle or 2 min pass.
  let waited = 0;
  let open = true;
  void Promise.all(pending).then(() => (open = false));
  while (open && waited < 120_000) {
    await time.advance(everyMs);
    waited += everyMs;
  }
  return tally;
}

export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; code?: unknown };
    if (typeof e.code === 'string' && e.code.includes('/')) return e.code; // firebase "auth/network-request-failed"
    // clerk-js's build minifies class names (`name` is "e"); its error classes carry their name as `kind`.
    const kind = (error.constructor as { kind?: unknown } | undefined)?.kind;
    if (typeof kind === 'string') return kind;
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
  }
  return 'Error';
}
