import { perLibrary, withSession } from '../harness/drive';
import { jwtExp } from '../harness/jwt';
import { physicalLimits } from '../harness/physicalLimits';
import { formatRatio, median, realMs } from '../harness/stats';
import { defineScenario } from '../registry';
import type { Cell } from '../results';

const TTL = 60;
const CAP_MS = 120_000;
const READ_EVERY_MS = 100;
const OUTAGE_MS = 10_000;

/**
 * Scenario 4: the token expired during an outage in which the app kept asking every 100 ms (so each
 * library sits in whatever retry or cooldown state its policy leads to). The network comes back
 * (`online` fires, requests work again) and the app keeps asking every 100 ms. Time from "network
 * back" to the first fresh token handed out, as a ratio to one bare token round trip.
 */
export const reconnect = defineScenario({
  id: 'reconnect',
  title: '4. Network back to a fresh token',
  run: async (context) => {
    const limits = await physicalLimits(context.bench);
    const { time, net } = context.bench;
    return perLibrary(
      context,
      [{ id: 'reconnect', scenario: '4', label: 'network back → fresh token handed out', unit: '× one token round trip' }],
      async (library) => {
        const totals: number[] = [];
        let capped = false;
        for (let r = 0; r < context.repeats; r++) {
          time.enterVirtual();
          try {
            await withSession(library, context, TTL, async (session) => {
              await time.advance(1_000);
              net.setOnline(false);
              time.jump(2 * TTL * 1000);
              for (let t = 0; t < OUTAGE_MS; t += READ_EVERY_MS) {
                session.getToken().catch(() => undefined);
                await time.advance(READ_EVERY_MS);
              }
              net.setOnline(true);
              const startReal = realMs();
              const startVirtual = time.monotonicNow();
              let freshAt: { real: number; virtual: number } | undefined;
              const fresh = (token: unknown) => {
                const exp = jwtExp(token);
                if (!freshAt && exp !== undefined && exp * 1000 > time.trueNow()) freshAt = { real: realMs() - startReal, virtual: time.monotonicNow() - startVirtual };
              };
              while (!freshAt && time.monotonicNow() - startVirtual < CAP_MS) {
                session.getToken().then(fresh, () => undefined);
                await time.settle();
                if (!freshAt) await time.advance(READ_EVERY_MS);
              }
              if (!freshAt) {
                capped = true;
                totals.push(CAP_MS);
              } else totals.push(freshAt.real + freshAt.virtual);
            });
          } finally {
            net.setOnline(true);
            time.exitVirtual();
          }
        }
        const ratio = median(totals) / limits.tokenRoundTripMs;
        const cell: Cell = { kind: 'value', value: ratio, text: `${capped ? '>' : ''}${formatRatio(ratio)}`, ...(capped ? { lowerBound: true, detail: `no fresh token within ${CAP_MS / 1000} s` } : {}) };
        return { reconnect: cell };
      },
    );
  },
});
