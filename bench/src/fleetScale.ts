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
 * - live heap per key per instance (after GC, minus the heap before the keys were read).
 *
 *   node --import tsx bench/src/fleetScale.ts [--instances=1,4,8] [--keys=1000,10000,100000]
 *       [--targets=redis,cluster] [--ttl=30] [--cycles=1] [--out=bench/SCALE.md]
 *
 * Big runs take minutes each (settle + measured cycles); they belong here, not in `npm test`.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Cluster, Redis } from 'ioredis';
import { defaultRefreshMargin } from '../../packages/tokenwarden/src/timing';
import { type FleetSample, percentile, requestsPerKeyPerCycle, startFleet, subtractCounters } from '../../packages/tokenwarden/test/redis/fleet';
import { startRedisCluster } from '../../packages/tokenwarden/test/redis/redisCluster';
import { startRedisServer } from '../../packages/tokenwarden/test/redis/redisServer';

export type Target = 'redis' | 'cluster';

export interface ScaleOptions {
  instances: number[];
  keys: number[];
  targets: Target[];
  /** Token lifetime, s: long enough that one round of reads of every key fits many times in a cycle. */
  ttl: number;
  /** Measured refresh cycles per configuration. */
  cycles: number;
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
  const fleet = await startFleet({
    instances,
    keys,
    ttl: options.ttl,
    minValidity: 2,
    readInterval: readInterval(keys),
    lockTtl: 2_000,
    waitTimeout: 4_000,
    timeout: 1_000,
    namespace: `scale-${target}-${instances}-${keys}-${Date.now()}`,
    redisPort,
    ...(clusterNodes ? { clusterNodes } : {}),
    measureHeap: true,
    reportTimeout: 120_000,
  });
  try {
    await pause(cycleMs);
    await fleet.alignToMidCycle();
    const start: FleetSample = await fleet.sample();
    await pause(options.cycles * cycleMs);
    const end = await fleet.sample();
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
      belowCutoff: window.gaps,
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
    } else {
      const cluster = await startRedisCluster();
      const probe = new Cluster(cluster.startupNodes);
      try {
        for (const keys of options.keys) {
          for (const instances of options.instances) {
            options.log(`scale: cluster, ${instances} instance(s), ${keys} keys`);
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

export function formatScaleTable(results: ScaleResult[], options: Pick<ScaleOptions, 'ttl' | 'cycles'>): string {
  const lines = [
    `fleet scale: ${options.ttl} s tokens, ${options.cycles} measured refresh cycle(s) after one settling cycle; latencies are histogram bucket bounds`,
    '',
    '| Redis | instances | keys | requests / key / cycle | Redis scripts / key / cycle / instance | p99 getToken ÷ median cache hit | p99 getToken ÷ Redis round trip | heap / key / instance | reads | failed | below cutoff |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  // Memory per key is the slope between two key counts of the same fleet (the process's fixed part cancels out).
  const perKey = (result: ScaleResult): string => {
    const smaller = results
      .filter((other) => other.target === result.target && other.instances === result.instances && other.keys < result.keys)
      .sort((a, b) => b.keys - a.keys)[0];
    if (!smaller) return 'base';
    return `${Math.round((result.heapBytesPerInstance - smaller.heapBytesPerInstance) / (result.keys - smaller.keys))} B`;
  };
  for (const result of results) {
    lines.push(
      `| ${result.target === 'redis' ? 'one server' : 'cluster (3+3)'} | ${result.instances} | ${result.keys.toLocaleString('en-US')} | ${fixed(
        result.requestsPerKeyPerCycle,
      )} | ${fixed(result.commandsPerKeyPerCyclePerInstance)} | ${fixed(result.p99Ms / result.cacheHitMs, 0)}× | ${fixed(
        result.p99Ms / result.redisRoundTripMs,
        1,
      )}× | ${perKey(result)} | ${result.reads} | ${result.failedReads} | ${result.belowCutoff} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const option = (name: string) => args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const list = (name: string, fallback: string) => (option(name) ?? fallback).split(',');
  const options: ScaleOptions = {
    instances: list('instances', '1,4,8').map(Number),
    keys: list('keys', '1000,10000,100000').map(Number),
    targets: list('targets', 'redis,cluster') as Target[],
    ttl: Number(option('ttl') ?? 30),
    cycles: Number(option('cycles') ?? 1),
    log: (message) => process.stderr.write(`${message}\n`),
  };
  const results = await runScaleBench(options);
  const table = formatScaleTable(results, options);
  process.stdout.write(`${table}\n`);
  const out = option('out');
  if (out) writeFileSync(out, `${table}\n`);
}
