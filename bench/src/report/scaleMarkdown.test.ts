import { describe, expect, it } from 'vitest';
import { type ScaleResult, formatScaleTable } from '../fleetScale';
import { scaleRow } from './scaleFixture';
import { parseScaleTables } from './scaleMarkdown';
import { heapPerKey, renderScaleSvg } from './scaleSvg';

// Counts other than the fixture's defaults, to see them come back as printed.
const row = (target: ScaleResult['target'], instances: number, keys: number, requests: number, heapPerKeyBytes: number): ScaleResult => ({
  ...scaleRow(target, instances, keys, heapPerKeyBytes, requests),
  reads: 12_345,
  failedReads: 1,
  staleReads: 2,
});

const small = [row('redis', 1, 1_000, 1, 1_700), row('redis', 1, 10_000, 0.98, 1_700), row('cluster', 4, 1_000, 1, 1_750), row('cluster', 4, 10_000, 0.97, 1_750)];
const large = [row('redis', 1, 100_000, 1.01, 1_400), row('cluster', 4, 100_000, 1.33, 1_400), row('sharded', 8, 100_000, 1.04, 1_400)];
const markdown = [
  formatScaleTable(small, { ttl: 30, cycles: 1 }),
  formatScaleTable(large, { ttl: 300, cycles: 1 }),
  formatScaleTable([row('redis', 8, 100_000, 1.1, 1_400)], { ttl: 300, cycles: 1, readPause: 30_000 }),
].join('\n\n');

describe('parseScaleTables: the chart drawn from bench/SCALE.md', () => {
  it('reads back every charted row of every table, with its counts and ratios as printed', () => {
    const rows = parseScaleTables(markdown);
    expect(rows.map((r) => [r.target, r.instances, r.keys, r.requestsPerKeyPerCycle])).toEqual([
      ['redis', 1, 1_000, 1],
      ['redis', 1, 10_000, 0.98],
      ['cluster', 4, 1_000, 1],
      ['cluster', 4, 10_000, 0.97],
      ['redis', 1, 100_000, 1.01],
      ['cluster', 4, 100_000, 1.33],
      ['sharded', 8, 100_000, 1.04],
    ]);
    expect(rows[4]).toMatchObject({ commandsPerKeyPerCyclePerInstance: 2, reads: 12_345, failedReads: 1, staleReads: 2, belowCutoff: 0 });
  });

  it('a table marked "not charted" (reads paused between rounds) is left out', () => {
    expect(markdown).toContain('reads paused 30000 ms between rounds (not charted)');
    expect(parseScaleTables(markdown).some((r) => r.target === 'redis' && r.instances === 8)).toBe(false);
  });

  it('heap per key comes back as printed within its table; a row printed "base" above a smaller count has none', () => {
    const rows = parseScaleTables(markdown);
    expect(heapPerKey(rows, rows[1] as ScaleResult)).toBeCloseTo(1_700);
    expect(heapPerKey(rows, rows[3] as ScaleResult)).toBeCloseTo(1_750);
    // Measured in a run of its own: no slope from the other run's 10 000-key row.
    expect(heapPerKey(rows, rows[4] as ScaleResult)).toBeNaN();
    const svg = renderScaleSvg(rows, 'test');
    expect(svg).not.toContain('NaN');
    expect(svg).toContain('100,000');
  });
});
