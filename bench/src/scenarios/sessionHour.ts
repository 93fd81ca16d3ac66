import { perLibrary, readEvery, withSession } from '../harness/drive';
import { formatRatio } from '../harness/stats';
import { defineScenario } from '../registry';
import { measured } from '../results';

const TTL = 60;
const READ_EVERY_MS = 100;

/**
 * Scenario 5: one session-hour of an app reading a token every 100 ms, with 60 s tokens, on the
 * virtual clock (every library's own timers run, in order, at their virtual times; requests are
 * real). Requests as a ratio to the ideal: one per token lifetime, 60 per hour; and how many
 * reads had to wait for a request instead of being answered from the cache. `--quick`
 * simulates 10 minutes and says so; it never scales a count up.
 */
export const sessionHour = defineScenario({
  id: 'hour',
  title: '5. Requests over one session-hour',
  run: (context) => {
    const minutes = context.quick ? 10 : 60;
    const ideal = (minutes * 60) / TTL;
    const span = minutes === 60 ? 'hour' : `${minutes} min`;
    const { time, net } = context.bench;
    return perLibrary(
      context,
      [
        { id: 'hour', scenario: '5', label: `requests over a session-${span} (reads every 100 ms, 60 s tokens)`, unit: `× ideal (${ideal})` },
        { id: 'hour-waits', scenario: '5', label: `reads that waited on the network, same session-${span}`, unit: 'reads (ideal: 0)' },
      ],
      async (library) => {
        time.enterVirtual();
        try {
          return await withSession(library, context, TTL, async (session) => {
            net.resetCounts();
            const tally = await readEvery(time, session, READ_EVERY_MS, minutes * 60_000);
            const requests = net.total;
            const ratio = requests / ideal;
            const issues = [tally.expired && `${tally.expired} expired tokens served`, tally.errors && `${tally.errors} failed reads`, tally.nulls && `${tally.nulls} null answers`].filter(Boolean).join(', ');
            return {
              hour: measured(ratio, formatRatio(ratio), `${requests} requests for ${tally.reads} reads${issues ? `; ${issues}` : ''}`),
              'hour-waits': measured(tally.waited, String(tally.waited), `of ${tally.reads} reads`),
            };
          });
        } finally {
          time.exitVirtual();
        }
      },
    );
  },
});
