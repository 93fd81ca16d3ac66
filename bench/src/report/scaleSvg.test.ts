import { describe, expect, it } from 'vitest';
import type { ScaleResult } from '../fleetScale';
import { heapPerKey, renderScaleSvg } from './scaleSvg';

function row(target: ScaleResult['target'], instances: number, keys: number, heapPerKey: number): ScaleResult {
  return {
    target,
    instances,
    keys,
    requestsPerKeyPerCycle: target === 'down' ? instances : 1,
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

const results = [row('redis', 1, 1000, 1000), row('redis', 1, 10_000, 1000), row('redis', 4, 1000, 1100), row('redis', 4, 10_000, 1100), row('down', 4, 1000, 900), row('down', 4, 10_000, 900)];

describe('renderScaleSvg', () => {
  it('heap per key is the slope between two key counts of the same fleet', () => {
    expect(heapPerKey(results, results[1] as ScaleResult)).toBeCloseTo(1000);
    expect(heapPerKey(results, results[0] as ScaleResult)).toBeUndefined();
  });

  it('draws one line per fleet in each panel it has figures for, and no NaN', () => {
    const svg = renderScaleSvg(results, 'test');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).not.toContain('NaN');
    // Lines: requests for 3 fleets, scripts for the 2 coordinated ones (down reaches no Redis); heap
    // has one point per fleet (a slope needs the smaller key count), so points only.
    expect(svg.match(/<polyline/g)).toHaveLength(3 + 2);
    expect(svg.match(/<circle/g)).toHaveLength(6 + 4 + 3);
    expect(svg).toContain('4 instances, Redis down');
  });
});
