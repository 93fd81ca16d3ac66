import { perLibrary, withSession } from '../harness/drive';
import { jwtExp } from '../harness/jwt';
import { physicalLimits, roundTripFor } from '../harness/physicalLimits';
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
 * back" to the first fresh token handed out, as a ratio to the round trip that delivered it
 * (1× is the physical limit: the first request after the network returns brings the token).
 */
export const reconnect = defineScenario({
  id: 'reconnect',
  title: '4. Network back to a fresh token',
  run: async (context) => {
    const limits = await physicalLimits(context.bench);
    const { time, net } = context.bench;
    return perLibrary(
      context,
      [{ id: 'reconnect', scenario: '4', label: 'network back → fresh token handed out', unit: '× the round trip that delivered it' }],
      async (library) => {
        const ratios: number[] = [];
        let capped = false;
        // Single events are timed, so more of them (cheap on the virtual clock).
        for (let r = 0; r < Math.max(9, context.repeats); r++) {
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
                ratios.push(CAP_MS / roundTripFor(limits, library.server));
                return;
              }
              // The floor is the round trip that delivered the token, timed by the network layer:
              // loopback round trips vary several-fold between runs here, so dividing by that very
              // request leaves what the library added (waits, extra round trips), not server noise.
              const finishedAt = startReal + freshAt.real;
              const delivering = [...net.recent].reverse().find((r) => r.ok && r.endedAt <= finishedAt + 0.001 && r.startedAt >= startReal - 0.001);
              const floor = delivering ? delivering.endedAt - delivering.startedAt : roundTripFor(limits, library.server);
              ratios.push((freshAt.real + freshAt.virtual) / floor);
            });
          } finally {
            net.setOnline(true);
            time.exitVirtual();
          }
        }
        const ratio = median(ratios);
        const cell: Cell = { kind: 'value', value: ratio, text: `${capped ? '>' : ''}${formatRatio(ratio)}`, ...(capped ? { lowerBound: true, detail: `no fresh token within ${CAP_MS / 1000} s` } : {}) };
        return { reconnect: cell };
      },
    );
  },
});
