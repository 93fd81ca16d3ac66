import { median, formatRatio, realMs } from '../harness/stats';
import { perLibrary, withSession } from '../harness/drive';
import { defineScenario } from '../registry';
import { measured } from '../results';

/** Long enough that every library is in its cached regime (Supabase refreshes anything under 90 s). */
const TTL = 3600;

/** ms per call of `call`, awaited one after another, over a batch of `iterations`. */
async function timeBatch(call: () => Promise<unknown>, iterations: number): Promise<number> {
  const start = realMs();
  for (let i = 0; i < iterations; i++) await call();
  return (realMs() - start) / iterations;
}

/** Enough iterations for a batch of ~`targetMs`, so fast and slow calls are timed alike. */
async function calibrate(call: () => Promise<unknown>, targetMs: number): Promise<number> {
  let iterations = 100;
  for (;;) {
    const perCall = await timeBatch(call, iterations);
    if (perCall * iterations >= targetMs / 4 || iterations >= 1_000_000) return Math.max(100, Math.ceil(targetMs / Math.max(perCall, 1e-6)));
    iterations *= 4;
  }
}

/**
 * Scenario 1: the cost of the library's own get-token call when the token is cached, as a ratio
 * to `await Promise.resolve(token)` (the floor for any promise-returning getter). Batches of the
 * baseline and the library alternate, and each ratio is taken within a pair before the median.
 */
export const cacheHit = defineScenario({
  id: 'cache-hit',
  title: '1. Cache-hit cost of the get-token call',
  run: (context) =>
    perLibrary(
      context,
      [{ id: 'cache-hit', scenario: '1', label: 'cache-hit get-token call', unit: '× await Promise.resolve(token)' }],
      (library) =>
        withSession(library, context, TTL, async (session) => {
          const token = await session.getToken();
          const baseline = () => Promise.resolve(token);
          const call = () => session.getToken();
          const target = context.quick ? 20 : 60;
          const iterations = await calibrate(call, target);
          const baseIterations = await calibrate(baseline, target);
          context.bench.net.resetCounts();
          const restoreClock = context.bench.time.withNativeClock();
          const ratios: number[] = [];
          for (let i = 0; i < Math.max(5, context.repeats * 2); i++) {
            const base = await timeBatch(baseline, baseIterations);
            const cost = await timeBatch(call, iterations);
            ratios.push(cost / base);
          }
          restoreClock();
          const requests = context.bench.net.total;
          const detail = requests > 0 ? `${requests} requests during the timed calls: not a pure cache hit` : undefined;
          const ratio = median(ratios);
          return { 'cache-hit': measured(ratio, formatRatio(ratio), detail) };
        }),
    ),
});
