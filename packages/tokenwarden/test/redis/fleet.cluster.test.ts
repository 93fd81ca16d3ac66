import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisNames } from '../../src/sync/redis/redisNames';
import { type FleetOptions, percentile, requestsPerKeyPerCycle, startFleet, subtractCounters } from './fleet';
import { type RedisCluster, startRedisCluster } from './redisCluster';

/**
 * A fleet on a real Redis Cluster (6 redis-server processes: 3 masters, 1 replica each): 4 Node
 * processes each reading the same 200 keys, 10 s tokens (a 5 s refresh cycle), for about 40 s, and
 * the master serving the namespace's slot is killed mid-run (its replica takes over after the
 * cluster's node timeout, 1 s here). The token server's clock runs 1.5 s ahead of the instances',
 * and every token served is checked against it. Real time is the point (processes, sockets, failover).
 * The per-call timeout is 500 ms as in fleet.test.ts (13 processes share two cores here).
 */

const LOCK_TTL = 1_000;
const FLEET: Omit<FleetOptions, 'namespace' | 'redisPort' | 'clusterNodes'> = {
  instances: 4,
  keys: 200,
  ttl: 10,
  minValidity: 2,
  readInterval: 250,
  lockTtl: LOCK_TTL,
  waitTimeout: 2_000,
  timeout: 500,
  // The token server's clock runs 1.5 s ahead of the instances': "below the cutoff" is judged by it.
  serverSkew: 1_500,
};
/** Coordination must be back this long after the master died. */
const RECOVERY = 15_000;
const COLD_STARTS = 10;

let cluster: RedisCluster;

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  await cluster?.dispose();
});

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('a fleet of 4 instances sharing 200 keys through a Redis Cluster', () => {
  it(
    'cold starts at one request per key; about one request per key per cycle; a master killed mid-run: no failed read, no token below the cutoff, coordination back within 15 s',
    async () => {
      const namespace = 'fleet-cluster';
      const fleet = await startFleet({ ...FLEET, namespace, redisPort: 0, clusterNodes: cluster.startupNodes });
      try {
        // The fleet's own start, then ten more in fresh namespaces, all four instances at once.
        const started = await fleet.sample();
        const coldRuns = [started.total.fetches];
        for (let run = 0; run < COLD_STARTS - 1; run++) coldRuns.push((await fleet.coldStart(`${namespace}-cold-${run}`)).fetches);
        console.info(`cluster fleet cold starts (requests for ${FLEET.keys} keys, 4 instances): ${coldRuns.join(', ')}`);
        expect(coldRuns).toEqual(coldRuns.map(() => FLEET.keys));

        await fleet.alignToMidCycle();
        const steadyStart = await fleet.sample();
        await pause(2 * fleet.cycleMs);
        const steadyEnd = await fleet.sample();
        const steady = requestsPerKeyPerCycle(fleet, steadyStart, steadyEnd);
        const steadyReads = subtractCounters(steadyEnd.total, steadyStart.total);

        // Kill it half a second before the next refresh burst: the burst meets the failover.
        await pause(fleet.cycleMs / 2 - 500);
        const master = await cluster.masterOf(redisNames('', namespace).epoch);
        await cluster.kill(master);
        const killed = await fleet.sample();
        await pause(RECOVERY);
        await fleet.alignToMidCycle();
        const resumedStart = await fleet.sample();
        await pause(2 * fleet.cycleMs);
        const end = await fleet.sample();
        const resumed = requestsPerKeyPerCycle(fleet, resumedStart, end);
        const afterKill = subtractCounters(end.total, killed.total);
        const whole = subtractCounters(end.total, started.total);
        const steadyP99 = percentile(steadyReads.latency, 0.99);
        const failoverP99 = percentile(afterKill.latency, 0.99);
        console.info(
          `cluster fleet: ${steady.toFixed(2)} requests per key per cycle steady, ${resumed.toFixed(2)} after the failover; ` +
            `p99 read ${steadyP99} ms steady, ${failoverP99} ms from the kill on; ${whole.reads} reads, ${whole.failures} failed, ` +
            `${whole.gaps} below the cutoff (${whole.serverGaps} by the token server's clock), ${whole.late} late, ${whole.degraded} degraded events, ` +
            `${afterKill.fetches} requests from the kill on (${(afterKill.fetches / FLEET.keys).toFixed(2)} per key)`,
        );
        expect(steady).toBeLessThanOrEqual(1.3);
        expect(resumed).toBeLessThanOrEqual(1.3);
        expect(whole.failures).toBe(0);
        expect(whole.gaps).toBe(0);
        expect(whole.serverGaps).toBe(0);
        expect(whole.late).toBe(0);
        // Histogram buckets: the bound is the bucket edge at or above steady p99 + one lock wait.
        expect(failoverP99).toBeLessThanOrEqual(steadyP99 + LOCK_TTL + 1_000);
      } finally {
        await fleet.stop();
      }
    },
    150_000,
  );
});
