/**
 * Fleet benchmark: requests per key per refresh cycle for 1, 4 and 8 instances of a backend that
 * share keys through `tokenwarden/redis`. Real processes (`node --import tsx`), a real redis-server on
 * a free loopback port, real time: each instance reads the same keys continuously, its token source
 * mints 10 s JWTs locally and counts requests. Ideal: 1 whatever the fleet size; without a
 * coordinator it would equal the number of instances.
 *
 *   node --import tsx bench/src/fleet.ts [--quick] [--seconds=30] [--keys=1000] [--instances=1,4,8] [--no-scale] [--no-write]
 *
 * Then the scale table (`fleetScale.ts`): 1 / 4 / 8 instances x 1 000 / 10 000 keys on one Redis,
 * on a Redis Cluster and with Redis down (30 s tokens), and 1 / 4 / 8 instances x 100 000 keys on
 * one Redis and on the cluster (300 s tokens: reading 100 000 keys once takes longer than a 30 s
 * token's cycle here) (`--quick`: 1 and 4 instances x 1 000 and 10 000 keys, one Redis and down),
 * written to bench/SCALE.md, and docs/fleet-scale.svg drawn from every table there (scaleChart.ts).
 *
 * `runFleetBench()` returns rows in the shape of `results.ts` for `main.ts` to add to its table.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Fleet, requestsPerKeyPerCycle, startFleet, subtractCounters } from '../../packages/tokenwarden/test/redis/fleet';
import { startRedisServer } from '../../packages/tokenwarden/test/redis/redisServer';
import { formatScaleTable, runScaleBench } from './fleetScale';
import { writeScaleChart } from './scaleChart';
import { type Row, measured } from './results';

export interface FleetBenchOptions {
  /** Fleet sizes to measure. @default [1, 4, 8] */
  instances?: number[];
  /** Keys every instance reads (the same keys across the fleet). @default 1000 */
  keys?: number;
  /** Measured seconds per fleet size (rounded to whole refresh cycles of 5 s), after one settling cycle. @default 30 */
  seconds?: number;
  log?: (message: string) => void;
}

export interface FleetBenchResult {
  instances: number;
  requestsPerKeyPerCycle: number;
  reads: number;
  failedReads: number;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function measure(fleet: Fleet, seconds: number): Promise<{ ratio: number; reads: number; failures: number }> {
  // One cycle for the cold start (every instance fetching at once) to settle, then whole cycles
  // from half-way between two refresh bursts.
  await pause(fleet.cycleMs);
  await fleet.alignToMidCycle();
  const start = await fleet.sample();
  await pause(Math.max(1, Math.round((seconds * 1000) / fleet.cycleMs)) * fleet.cycleMs);
  const end = await fleet.sample();
  const window = subtractCounters(end.total, start.total);
  return { ratio: requestsPerKeyPerCycle(fleet, start, end), reads: window.reads, failures: window.failures };
}

export async function runFleetBench(options: FleetBenchOptions = {}): Promise<FleetBenchResult[]> {
  const sizes = options.instances ?? [1, 4, 8];
  const keys = options.keys ?? 1000;
  const seconds = options.seconds ?? 30;
  const log = options.log ?? (() => undefined);
  const server = await startRedisServer();
  const results: FleetBenchResult[] = [];
  try {
    for (const instances of sizes) {
      log(`fleet: ${instances} instance(s), ${keys} keys, ${seconds} s`);
      const fleet = await startFleet({
        instances,
        keys,
        ttl: 10,
        minValidity: 2,
        readInterval: 250,
        lockTtl: 1_000,
        waitTimeout: 2_000,
        namespace: `bench-${instances}`,
        redisPort: server.port,
      });
      try {
        const { ratio, reads, failures } = await measure(fleet, seconds);
        results.push({ instances, requestsPerKeyPerCycle: ratio, reads, failedReads: failures });
      } finally {
        await fleet.stop();
      }
    }
  } finally {
    await server.dispose();
  }
  return results;
}

/** One table row: tokenwarden's requests per key per cycle per fleet size (peers have no fleet mode). */
export function fleetRows(results: FleetBenchResult[]): Row[] {
  return results.map((result) => ({
    id: `fleet-${result.instances}`,
    scenario: 'fleet',
    label: `${result.instances} instance(s) sharing keys through Redis`,
    unit: '× 1 request per key per refresh cycle',
    cells: {
      tokenwarden: measured(
        result.requestsPerKeyPerCycle,
        `${result.requestsPerKeyPerCycle.toFixed(2)}×`,
        `${result.reads} reads, ${result.failedReads} failed`,
      ),
    },
  }));
}

export function formatFleetTable(results: FleetBenchResult[]): string {
  const lines = [
    'requests per key per refresh cycle (ideal 1; without coordination it equals the number of instances)',
    '',
    '| instances | requests / key / cycle | reads | failed reads |',
    '| ---: | ---: | ---: | ---: |',
  ];
  for (const result of results) {
    lines.push(`| ${result.instances} | ${result.requestsPerKeyPerCycle.toFixed(2)} | ${result.reads} | ${result.failedReads} |`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const quick = args.includes('--quick');
  const results = await runFleetBench({
    instances: option('instances')?.split(',').map(Number) ?? [1, 4, 8],
    keys: Number(option('keys') ?? (quick ? 200 : 1000)),
    seconds: Number(option('seconds') ?? (quick ? 10 : 30)),
    log: (message) => process.stderr.write(`${message}\n`),
  });
  process.stdout.write(`${formatFleetTable(results)}\n`);
  if (!args.includes('--no-scale')) {
    const log = (message: string) => process.stderr.write(`${message}\n`);
    const scale = {
      instances: quick ? [1, 4] : [1, 4, 8],
      keys: [1_000, 10_000],
      targets: quick ? (['redis', 'down'] as const) : (['redis', 'cluster', 'down'] as const),
      ttl: 30,
      cycles: 1,
    };
    const scaled = await runScaleBench({ ...scale, targets: [...scale.targets], log });
    let table = formatScaleTable(scaled, scale);
    if (!quick) {
      // 100 000 keys take 20-30 s to read once on this machine, longer than a 30 s token's cycle:
      // their rows use 5-minute tokens (about 13 minutes per row, 10 rows).
      // Both cluster set-ups (classic pub/sub crosses the cluster bus to every node; sharded stays
      // on the shard), and Redis down at 4 instances to read the coordinated rows against.
      const large = { instances: [1, 4, 8], keys: [100_000], targets: ['redis', 'cluster', 'sharded'] as const, ttl: 300, cycles: 1 };
      const largeRows = await runScaleBench({ ...large, targets: [...large.targets], log });
      largeRows.push(...(await runScaleBench({ ...large, instances: [4], targets: ['down'], log })));
      table += `\n\n${formatScaleTable(largeRows, large)}`;
    }
    process.stdout.write(`\n${table}\n`);
    if (!args.includes('--no-write')) {
      // The table and its chart, as main.ts writes the peer table and docs/bench.svg (the Redis README quotes them).
      writeFileSync(fileURLToPath(new URL('../SCALE.md', import.meta.url)), `${table}\n`);
      // Drawn from the tables just written, so the chart always shows what SCALE.md holds.
      writeScaleChart();
      process.stderr.write('wrote bench/SCALE.md and docs/fleet-scale.svg\n');
    }
  }
}
