import { perLibrary, readEvery, withSession } from '../harness/drive';
import { formatNumber } from '../harness/stats';
import { defineScenario } from '../registry';
import { measured } from '../results';

/**
 * Five-minute tokens: longer than every library's refresh margin (Supabase's is 90 s, Auth0's 60 s),
 * so what this row shows is the skew, not a margin that 60 s tokens already defeat (scenario 5).
 */
const TTL = 300;
const SKEW_MS = 10 * 60_000;
const READ_EVERY_MS = 100;

/**
 * Scenario 6: the device clock is 10 minutes fast (the servers' is right). The app reads every
 * 100 ms for five lifetimes of 5-minute tokens. Requests per token lifetime (ideal 1) and tokens handed out
 * that had already expired by the server's clock (ideal 0).
 */
export const clockSkew = defineScenario({
  id: 'skew',
  title: '6. Client clock 10 minutes fast',
  run: (context) => {
    const cycles = context.quick ? 2 : 5;
    const { time, net } = context.bench;
    return perLibrary(
      context,
      [
        { id: 'skew-requests', scenario: '6', label: 'clock +10 min, 5-min tokens: requests per token lifetime', unit: 'requests per cycle (ideal: 1)' },
        { id: 'skew-expired', scenario: '6', label: 'clock +10 min, 5-min tokens: expired tokens served', unit: 'share of reads (ideal: 0)' },
      ],
      async (library) => {
        time.enterVirtual();
        time.clientSkew = SKEW_MS;
        try {
          return await withSession(library, context, TTL, async (session) => {
            net.resetCounts();
            const tally = await readEvery(time, session, READ_EVERY_MS, cycles * TTL * 1000);
            const perCycle = net.total / cycles;
            const share = tally.expired / tally.reads;
            const failures = tally.errors ? `; ${tally.errors} of ${tally.reads} reads failed` : '';
            return {
              'skew-requests': measured(perCycle, formatNumber(perCycle), `${net.total} requests in ${cycles} lifetimes${failures}`),
              'skew-expired': measured(share, share === 0 ? '0' : `${formatNumber(share * 100)} %`, `${tally.expired} of ${tally.reads} reads${failures}`),
            };
          });
        } finally {
          time.clientSkew = 0;
          time.exitVirtual();
        }
      },
    );
  },
});
