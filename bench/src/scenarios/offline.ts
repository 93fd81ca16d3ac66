import { driveUntilSettled, errorName, observe, perLibrary, withSession, type Settled } from '../harness/drive';
import { jwtExp } from '../harness/jwt';
import { physicalLimits } from '../harness/physicalLimits';
import { formatRatio, median } from '../harness/stats';
import { defineScenario } from '../registry';
import { measured, type Cell } from '../results';

const TTL = 60;
/** How long a call may take before we stop waiting (virtual time) and report a lower bound. */
const CAP_MS = 120_000;

function outcome(settled: Settled, trueNow: number): string {
  if (!settled.ok) return errorName(settled.error);
  if (typeof settled.value !== 'string') return 'signed out (null)';
  const exp = jwtExp(settled.value);
  return exp !== undefined && exp * 1000 <= trueNow ? 'an EXPIRED token' : 'a token';
}

/**
 * Scenario 3: the device is offline (navigator.onLine false, `offline` fired, every request fails
 * as a refused connection). How long until the get-token call answers — with a valid token cached,
 * and with none (the lid was closed past its expiry)? Virtual time stands in for the libraries'
 * retry sleeps; real time covers everything else. Ratio to one failed request, the cost of
 * learning "offline" the hard way; below 1 means it answered without trying the network.
 */
export const offline = defineScenario({
  id: 'offline',
  title: '3. Time to an answer when offline',
  run: async (context) => {
    const limits = await physicalLimits(context.bench);
    const { time, net } = context.bench;
    return perLibrary(
      context,
      [
        { id: 'offline-valid', scenario: '3', label: 'offline, valid token cached: time to an answer', unit: '× one failed request' },
        { id: 'offline-none', scenario: '3', label: 'offline, no valid token: time to an answer', unit: '× one failed request' },
      ],
      async (library) => {
        const cells: Record<string, Cell> = {};
        for (const variant of ['offline-valid', 'offline-none'] as const) {
          const totals: number[] = [];
          let answer = '';
          let capped = false;
          // Single calls are timed, so more of them: it is cheap on the virtual clock.
          for (let r = 0; r < Math.max(5, context.repeats); r++) {
            time.enterVirtual();
            try {
              await withSession(library, context, TTL, async (session) => {
                await time.advance(1_000);
                net.setOnline(false);
                if (variant === 'offline-none') time.jump(2 * TTL * 1000);
                net.resetCounts();
                const call = observe(time, () => session.getToken());
                const settled = await driveUntilSettled(time, call, CAP_MS);
                if (!settled) {
                  capped = true;
                  totals.push(CAP_MS);
                  answer = `no answer within ${CAP_MS / 1000} s`;
                  return;
                }
                totals.push(settled.realMs + settled.virtualMs);
                answer = `${outcome(settled, time.trueNow())} after ${net.total} request attempt${net.total === 1 ? '' : 's'}`;
              });
            } finally {
              net.setOnline(true);
              time.exitVirtual();
            }
          }
          const ratio = median(totals) / limits.failedRequestMs;
          cells[variant] = { kind: 'value', value: ratio, text: `${capped ? '>' : ''}${formatRatio(ratio)}`, detail: `answers ${answer}`, ...(capped ? { lowerBound: true } : {}) };
        }
        return cells;
      },
    );
  },
});
