/**
 * Fleet scale benchmark: how `tokenwarden/redis` grows with keys and instances, on one redis-server
 * and on a real Redis Cluster (6 redis-servers, 3 masters + 1 replica each). Real processes
 * (`node --import tsx --expose-gc`), loopback only, real time. Each instance reads the same keys in
 * rounds; its token source mints JWTs locally and counts requests. Measured over whole refresh
 * cycles after one settling cycle, every figure a count or a ratio:
 *
 * - token requests per key per cycle, for the whole fleet (goal <= 1.05; uncoordinated = instances);
 * - Redis commands (scripts) per key per cycle per instance;
 * - p99 `getToken()` during the window (it contains one refresh wave per cycle), as a ratio to the
 *   median cache hit of the same run and to one Redis round trip (PING, median);
 * - live heap per key per instance (after GC, minus the heap before the keys were read);
 * - reads that found their token past its cutoff (its refresh came late: the read waited for a
 *   fetch), and reads that resolved with a token below its cutoff by the token source's clock at
 *   the moment they resolved (the engine promises none).
 *
 * Target `down` is the same fleet with Redis unreachable (a closed loopback port): every instance
 * fetches alone, which is what the coordinated figures are to be read against.
 *
 *   node --import tsx bench/src/fleetScale.ts [--instances=1,4,8] [--keys=1000,10000,100000]
 *       [--targets=redis,cluster,sharded,down] [--ttl=30] [--cycles=1] [--settle=1] [--stall=EVERY:FOR]
 *       [--read-pause=MS] [--out=bench/SCALE.md]
 *
 * `--out` writes the table there and the chart next to it (same name, `.svg`). `--settle=0` measures
 * one cycle around the first refresh burst after the cold start instead of settling one cycle and
 * aligning on a detected burst (about 1.5 cycles per row instead of 2.5: for long tokens; it
 * settles anyway when the cold start took too long for that). With 64 keys or more the engine
 * spreads those first refreshes over the second half of the first cycle (a wave of first tokens),
 * so `--settle=0` then measures that spread cycle rather than the steady state: the published
 * 100 000-key rows settle one cycle. `--stall=2000:1500` blocks every
 * instance's event loop for 1 500 ms every 2 000 ms (a CPU-starved host, reproduced cheaply).
 *
 * Big runs take minutes each (settle + measured cycles); they belong here, not in `npm test`.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { defaultRefreshMargin } from '../../packages/tokenwarden/src/timing';
import { type FleetSample, percentile, requestsPerKeyPerCycle, startFleet, subtractCounters } from '../../packages/tokenwarden/test/redis/fleet';
import { startRedisCluster } from '../../packages/tokenwarden/test/redis/redisCluster';
import { freePort, startRedisServer } from '../../packages/tokenwarden/test/redis/redisServer';
import { heapPerKey, renderScaleSvg } from './report/scaleSvg';

/**
 * One redis-server, the 6-node cluster (classic pub/sub, the default: every announcement crosses
 * the cluster bus to all 6 nodes), the same cluster with sharded pub/sub (`pubsub: 'sharded'`: an
 * announcement stays on its shard's 2 nodes), or no Redis at all (unreachable: every instance alone).
 */
export type Target = 'redis' | 'cluster' | 'sharded' | 'down';

export interface ScaleOptions {
  instances: number[];
  keys: number[];
  targets: Target[];
  /** Token lifetime, s: long enough that one round of reads of every key fits many times in a cycle. */
  ttl: number;
  /** Measured refresh cycles per configuration. */
  cycles: number;
  /** Settling cycles before the measured ones (0: measure from half a cycle after the cold start). @default 1 */
  settle?: number;
  /** Starve every instance's event loop: blocked for `for` ms every `every` ms. */
  stall?: { every: number; for: number };
  /** Pause between two rounds of reads of every key, ms (each instance). @default keys / 20, within 250..5000 */
  readPause?: number;
  log: (message: string) => void;
}

export interface ScaleResult {
  target: Target;
  instances: number;
  keys: number;
  requestsPerKeyPerCycle: number;
  commandsPerKeyPerCyclePerInstance: number;
  p99Ms: number;
  cacheHitMs: number;
  redisRoundTripMs: number;
  /** Live heap of one instance at the end (after GC), bytes. */
  heapBytesPerInstance: number;
  reads: number;
  failedReads: number;
  /** Reads that found their key's token past its cutoff: its refresh came late, the read waited for a fetch. */
  staleReads: number;
  /** Reads that resolved with a token at or below its cutoff by the token source's clock, at resolution. */
  belowCutoff: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function roundTrip(client: Redis | Cluster): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    await client.ping();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** Reads every key of a round within this budget per process (keeps 100 000 keys affordable). */
function readInterval(keys: number): number {
  return Math.max(250, Math.min(5_000, keys / 20));
}

async function runOne(target: Target, instances: number, keys: number, options: ScaleOptions, redisPort: number, clusterNodes?: { host: string; port: number }[]): Promise<ScaleResult> {
  const cycleMs = (options.ttl - defaultRefreshMargin(options.ttl)) * 1000;
  const startedAt = performance.now();
  const fleet = await startFleet({
    instances,
    keys,
    ttl: options.ttl,
    minValidity: 2,
    readInterval: options.readPause ?? readInterval(keys),
    lockTtl: 2_000,
    waitTimeout: 4_000,
    timeout: 1_000,
    namespace: `scale-${target}-${instances}-${keys}-${Date.now()}`,
    redisPort,
    ...(clusterNodes ? { clusterNodes } : {}),
    measureHeap: true,
    reportTimeout: 120_000,
    readyTimeout: 300_000,
    ...(options.stall ? { stall: options.stall } : {}),
    ...(target === 'down' ? { redisDown: true } : {}),
    ...(target === 'sharded' ? { pubsub: 'sharded' as const } : {}),
  });
  options.log(`scale: every instance read every key once (cold start) after ${Math.round(performance.now() - startedAt)} ms`);
  try {
    const settle = options.settle ?? 1;
    if (settle > 0) {
      await pause(settle * cycleMs);
      await fleet.alignToMidCycle();
    } else {
      // Every key was first fetched between the start and now (the first round of reads), so its
      // first refresh falls in [start + cycle, now + cycle + spread], and the second burst begins
      // at start + 2 cycles at the earliest. A one-cycle window from now + x holds exactly that first
      // burst when spread <= x <= cycle - first round: take the middle (at most half a cycle).
      const readyAt = performance.now();
      const firstRound = readyAt - startedAt;
      // A refresh waits up to a quarter of its token's servable time after its refresh point (paced
      // waves), plus its claim and fetch.
      const spread = (options.ttl * 1000 - cycleMs - 2_000) / 4 + 1_000;
      if (spread <= cycleMs - firstRound) {
        await pause(Math.min(cycleMs / 2, (spread + cycleMs - firstRound) / 2));
      } else {
        options.log(`scale: the first round of reads took ${Math.round(firstRound)} ms, too long for a window before the second burst: settling one cycle`);
        await pause(Math.max(0, startedAt + cycleMs - performance.now()));
        await fleet.alignToMidCycle();
      }
    }
    const start: FleetSample = await fleet.sample();
    await pause(options.cycles * cycleMs);
    const end = await fleet.sample({ heap: true });
    const window = subtractCounters(end.total, start.total);
    const cycles = (end.at - start.at) / cycleMs;
    const hits = window.latency;
    return {
      target,
      instances,
      keys,
      requestsPerKeyPerCycle: requestsPerKeyPerCycle(fleet, start, end),
      commandsPerKeyPerCyclePerInstance: window.commands / keys / cycles / instances,
      p99Ms: percentile(window.latency, 0.99),
      cacheHitMs: percentile(hits, 0.5),
      redisRoundTripMs: 0,
      heapBytesPerInstance: end.total.heapUsed / instances,
      reads: window.reads,
      failedReads: window.failures,
      staleReads: window.gaps,
      belowCutoff: window.serverGaps,
    };
  } finally {
    await fleet.stop();
  }
}

export async function runScaleBench(options: ScaleOptions): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  for (const target of options.targets) {
    if (target === 'redis') {
      const server = await startRedisServer();
      const probe = new Redis({ host: '127.0.0.1', port: server.port });
      try {
        for (const keys of options.keys) {
          for (const instances of options.instances) {
            options.log(`scale: one Redis, ${instances} instance(s), ${keys} keys`);
            const result = await runOne(target, instances, keys, options, server.port);
            result.redisRoundTripMs = await roundTrip(probe);
            results.push(result);
            options.log(JSON.stringify(result));
          }
        }
      } finally {
        probe.disconnect();
        await server.dispose();
      }
    } else if (target === 'down') {
      // A loopback port nobody listens on: connections are refused, every Redis call fails.
      const port = await freePort();
      for (const keys of options.keys) {
        for (const instances of options.instances) {
          options.log(`scale: Redis down, ${instances} instance(s), ${keys} keys`);
          const result = await runOne(target, instances, keys, options, port);
          result.redisRoundTripMs = Number.NaN;
          results.push(result);
          options.log(JSON.stringify(result));
        }
      }
    } else {
      const cluster = await startRedisCluster();
      const probe = new Cluster(cluster.startupNodes);
      try {
        for (const keys of options.keys) {
          for (const instances of options.instances) {
            options.log(`scale: ${TARGET_NAMES[target]}, ${instances} instance(s), ${keys} keys`);
            const result = await runOne(target, instances, keys, options, 0, cluster.startupNodes);
            result.redisRoundTripMs = await roundTrip(probe);
            results.push(result);
            options.log(JSON.stringify(result));
          }
        }
      } finally {
        probe.disconnect();
        await cluster.dispose();
      }
    }
  }
  return results;
}

const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const TARGET_NAMES: Record<Target, string> = { redis: 'one server', cluster: 'cluster (3+3)', sharded: 'cluster (3+3), sharded pub/sub', down: 'Redis down' };

export function formatScaleTable(results: ScaleResult[], options: Pick<ScaleOptions, 'ttl' | 'cycles' | 'settle' | 'stall' | 'readPause'>): string {
  const settled = (options.settle ?? 1) > 0 ? 'after one settling cycle' : 'around the first refresh burst after the cold start';
  const stalled = options.stall ? `; every instance's event loop blocked ${options.stall.for} ms every ${options.stall.every} ms` : '';
  // Spaced reads load the machine less: such rows are not on the same axes as the others (scaleChart.ts skips them).
  const paused = options.readPause === undefined ? '' : `; reads paused ${options.readPause} ms between rounds (not charted)`;
  const lines = [
    `fleet scale: ${options.ttl} s tokens, ${options.cycles} measured refresh cycle(s) ${settled}${stalled}${paused}; latencies are histogram bucket bounds; "Redis down": the same fleet with Redis unreachable (scripts attempted)`,
    '',
    '| Redis | instances | keys | requests / key / cycle | Redis scripts / key / cycle / instance | p99 getToken ÷ median cache hit | p99 getToken ÷ Redis round trip | heap / key / instance | reads | failed | reads that waited for a late refresh | served below cutoff |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const perKey = (result: ScaleResult): string => {
    const slope = heapPerKey(results, result);
    return slope === undefined ? 'base' : `${Math.round(slope)} B`;
  };
  for (const result of results) {
    const roundTrip = Number.isFinite(result.redisRoundTripMs) ? `${fixed(result.p99Ms / result.redisRoundTripMs, 1)}×` : 'n/a';
    lines.push(
      `| ${TARGET_NAMES[result.target]} | ${result.instances} | ${result.keys.toLocaleString('en-US')} | ${fixed(
        result.requestsPerKeyPerCycle,
      )} | ${fixed(result.commandsPerKeyPerCyclePerInstance)} | ${fixed(result.p99Ms / result.cacheHitMs, 0)}× (${result.p99Ms} ms) | ${roundTrip} | ${perKey(
        result,
      )} | ${result.reads} | ${result.failedReads} | ${result.staleReads} | ${result.belowCutoff} |`,
    );
  }
  return lines.join('\n');
}

export { renderScaleSvg };

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const list = (name: string, fallback: string) => (option(name) ?? fallback).split(',');
  const options: ScaleOptions = {
    instances: list('instances', '1,4,8').map(Number),
    keys: list('keys', '1000,10000,100000').map(Number),
    targets: list('targets', 'redis,cluster,down') as Target[],
    ttl: Number(option('ttl') ?? 30),
    cycles: Number(option('cycles') ?? 1),
    settle: Number(option('settle') ?? 1),
    log: (message) => process.stderr.write(`${message}\n`),
  };
  const readPause = option('read-pause');
  if (readPause) options.readPause = Number(readPause);
  const stall = option('stall')?.split(':').map(Number);
  if (stall) options.stall = { every: stall[0] as number, for: stall[1] as number };
  const results = await runScaleBench(options);
  const table = formatScaleTable(results, options);
  process.stdout.write(`${table}\n`);
  const out = option('out');
  if (out) {
    writeFileSync(out, `${table}\n`);
    writeFileSync(out.replace(/\.md$/, '') + '.svg', renderScaleSvg(results, `${options.ttl} s tokens, ${options.cycles} measured cycle(s)`));
  }
}
