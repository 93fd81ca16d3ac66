import type { ScaleResult } from '../fleetScale';

/** A scale row for the report tests: a coordinated fleet at 1 request per key unless told, Redis down at one per instance. */
export function scaleRow(target: ScaleResult['target'], instances: number, keys: number, heapPerKey: number, requests?: number): ScaleResult {
  return {
    target,
    instances,
    keys,
    requestsPerKeyPerCycle: requests ?? (target === 'down' ? instances : 1),
    commandsPerKeyPerCyclePerInstance: 2 / instances,
    p99Ms: 0.2,
    cacheHitMs: 0.05,
    redisRoundTripMs: target === 'down' ? Number.NaN : 0.1,
    heapBytesPerInstance: 10_000_000 + keys * heapPerKey,
    reads: 1000,
    failedReads: 0,
    staleReads: 0,
    belowCutoff: 0,
  };
}
