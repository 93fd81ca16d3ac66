import { median } from '../harness/stats';
import { perLibrary, withSession } from '../harness/drive';
import { defineScenario } from '../registry';
import { measured, type Cell } from '../results';

const TTL = 60;

/**
 * Scenario 2: N callers ask at once while the session holds no valid token (the tab woke from a
 * sleep longer than the token's life). Counts every request the library makes; the ideal is one.
 */
export const coldConcurrency = defineScenario({
  id: 'cold',
  title: '2. Requests for N concurrent cold calls',
  run(context) {
    const sizes = context.quick ? [10, 100, 1000] : [10, 100, 10_000];
    return perLibrary(
      context,
      sizes.map((n) => ({ id: `cold-${n}`, scenario: '2', label: `requests for ${n.toLocaleString('en-US').replace(/,/g, ' ')} concurrent cold calls`, unit: 'requests (ideal: 1)' })),
      async (library) => {
        const cells: Record<string, Cell> = {};
        for (const n of sizes) {
          const counts: number[] = [];
          let failures = 0;
          const repeats = n >= 10_000 ? Math.min(context.repeats, 3) : context.repeats;
          for (let r = 0; r < repeats; r++) {
            await withSession(library, context, TTL, async (session) => {
              // The lid was closed for two token lifetimes: every clock moved, no timer ran.
              context.bench.time.jump(2 * TTL * 1000);
              context.bench.net.resetCounts();
              const outcomes = await Promise.allSettled(Array.from({ length: n }, () => session.getToken()));
              counts.push(context.bench.net.total);
              failures = Math.max(failures, outcomes.filter((o) => o.status === 'rejected' || typeof o.value !== 'string').length);
            });
          }
          const requests = median(counts);
          cells[`cold-${n}`] = measured(requests, String(requests), failures > 0 ? `${failures} of ${n} callers got no token` : undefined);
        }
        return cells;
      },
    );
  },
});
