import { randomBytes, randomUUID } from 'node:crypto';
import { createNetworkSource, createTokenClient, decodeJwt, type TokenClient } from '../../../packages/tokenwarden/src/index';
import { Scheduler } from '../../../packages/tokenwarden/src/scheduler';
import { ManualTimers } from '../harness/manualTimers';
import { formatNumber, formatRatio, median, realMs } from '../harness/stats';
import { defineScenario } from '../registry';
import { measured, notAvailable, type Row } from '../results';

const TTL = 60;

/** A token shaped like the devserver's (ES256-sized signature), so sizes are realistic. */
function mintLike(iatSeconds: number, key: number): string {
  const enc = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = enc({ alg: 'ES256', kid: 'dev-key', typ: 'JWT' });
  const payload = enc({ iss: 'http://127.0.0.1:4010', sub: `user_${key}`, sid: `sess_${key}`, iat: iatSeconds, nbf: iatSeconds, exp: iatSeconds + TTL, jti: randomUUID() });
  return `${header}.${payload}.${randomBytes(64).toString('base64url')}`;
}

const gc = (globalThis as { gc?: () => void }).gc;

async function drain(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Scenario 7, tokenwarden alone: 100 000 keys in one client, on injected timers and clock, with an
 * in-memory token source (so only the engine is measured).
 * - memory per entry, as a ratio to the token it holds (the token itself is the floor);
 * - engine cost per proactive refresh (scheduler wake-up, flight, decode, accept, re-plan), as a
 *   ratio to decoding the JWT alone, which any refresh must do;
 * - the scheduler alone: plan + fire per key, as a ratio to one native setTimeout + clearTimeout
 *   per key (what a timer-per-key design pays before doing anything);
 * - a keyed cache hit with 100 000 keys cached, as a ratio to `await Promise.resolve(token)`.
 */
export const scale = defineScenario({
  id: 'scale',
  title: '7. tokenwarden alone: 100 000 keys',
  async run(context) {
    const n = context.quick ? 20_000 : 100_000;
    const label = n.toLocaleString('en-US').replace(/,/g, ' ');
    const rows: Row[] = [
      { id: 'scale-memory', scenario: '7', label: `memory per entry, ${label} keys`, unit: '× the token string it holds', cells: {} },
      { id: 'scale-refresh', scenario: '7', label: `engine cost per proactive refresh, ${label} keys`, unit: '× decoding the JWT alone', cells: {} },
      { id: 'scale-scheduler', scenario: '7', label: `scheduler plan + fire per key, ${label} keys`, unit: '× native setTimeout + clearTimeout', cells: {} },
      { id: 'scale-hit', scenario: '7', label: `keyed cache hit with ${label} keys cached`, unit: '× await Promise.resolve(token)', cells: {} },
    ];
    for (const library of context.libraries) {
      if (library.id === 'tokenwarden') continue;
      for (const row of rows) row.cells[library.id] = notAvailable('tokenwarden-only measure');
    }
    const cells = rows.map((row) => row.cells);
    const put = (index: number, cell: ReturnType<typeof measured>) => ((cells[index] as Record<string, unknown>)['tokenwarden'] = cell);

    // --- memory and refresh cost, in one client ---
    const timers = new ManualTimers();
    timers.now = Date.UTC(2026, 0, 1);
    const t0 = Math.floor(timers.now / 1000);
    const first = Array.from({ length: n }, (_, i) => mintLike(t0, i));
    const second = Array.from({ length: n }, (_, i) => mintLike(t0 + 43, i));
    let generation = first;
    const keys = Array.from({ length: n }, (_, i) => ({ template: `k${i}` }));
    const tokenBytes = median(first.slice(0, 1000).map((token) => token.length));

    if (!gc) context.log('  (run node with --expose-gc for the memory figure)');
    gc?.();
    await drain();
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const client: TokenClient = createTokenClient({
      fetchToken: ({ template }) => Promise.resolve(generation[Number(template?.slice(1))] as string),
      clock: timers.clock,
      timers,
      network: createNetworkSource(() => undefined),
      wake: { subscribe: () => () => undefined },
    });
    await Promise.all(keys.map((key) => client.getToken(key)));
    await drain();
    gc?.();
    await drain();
    gc?.();
    const perEntry = (process.memoryUsage().heapUsed - heapBefore) / n;
    if (gc) put(0, measured(perEntry / tokenBytes, formatRatio(perEntry / tokenBytes), `${formatNumber(perEntry)} B per entry beside a ${tokenBytes}-char token`));
    else put(0, notAvailable('needs node --expose-gc') as never);

    let refreshed = 0;
    client.subscribe((event) => {
      if (event.type === 'token') refreshed++;
    });
    generation = second;
    const refreshStart = realMs();
    timers.advanceTo(timers.now + 43_000 + 1);
    while (refreshed < n) await new Promise<void>((resolve) => setImmediate(resolve));
    const perRefresh = (realMs() - refreshStart) / n;

    const decodeStart = realMs();
    for (const token of second) decodeJwt(token);
    const perDecode = (realMs() - decodeStart) / n;
    put(1, measured(perRefresh / perDecode, formatRatio(perRefresh / perDecode), `all ${label} keys refreshed in one wave`));

    // --- keyed cache hit with everything cached ---
    const probe = keys[n >> 1] as { template: string };
    const token = await client.getToken(probe);
    const ratios: number[] = [];
    for (let r = 0; r < Math.max(5, context.repeats * 2); r++) {
      const iterations = 20_000;
      let start = realMs();
      for (let i = 0; i < iterations; i++) await Promise.resolve(token);
      const base = realMs() - start;
      start = realMs();
      for (let i = 0; i < iterations; i++) await client.getToken(probe);
      ratios.push((realMs() - start) / base);
    }
    put(3, measured(median(ratios), formatRatio(median(ratios))));
    client.destroy();

    // --- the scheduler alone vs a native timer per key ---
    const schedulerRatios: number[] = [];
    for (let r = 0; r < context.repeats; r++) {
      const manual = new ManualTimers();
      let fired = 0;
      const scheduler = new Scheduler({ timers: manual, now: () => manual.now, onDue: () => void fired++ });
      const ids = keys.map((key) => key.template);
      let start = realMs();
      for (let i = 0; i < n; i++) scheduler.plan(ids[i] as string, 1_000 + (i % 997));
      manual.advanceTo(10_000);
      const ours = realMs() - start;
      if (fired !== n) throw new Error(`scheduler fired ${fired} of ${n}`);
      start = realMs();
      const handles = new Array<ReturnType<typeof setTimeout>>(n);
      for (let i = 0; i < n; i++) handles[i] = setTimeout(() => undefined, 1_000_000 + i);
      for (let i = 0; i < n; i++) clearTimeout(handles[i]);
      const native = realMs() - start;
      schedulerRatios.push(ours / native);
    }
    const schedulerRatio = median(schedulerRatios);
    put(2, measured(schedulerRatio, formatRatio(schedulerRatio), 'one heap and one timer for all keys'));
    return rows;
  },
});
