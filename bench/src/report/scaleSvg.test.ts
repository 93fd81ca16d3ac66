import { describe, expect, it } from 'vitest';
import type { ScaleResult } from '../fleetScale';
import { scaleRow } from './scaleFixture';
import { heapPerKey, renderScaleSvg } from './scaleSvg';

const row = scaleRow;

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

  it('lists in its legend only the fleets that were measured', () => {
    const svg = renderScaleSvg(results, 'test');
    // 1 and 4 instances on one Redis, 4 with Redis down: "1 instance, Redis down" has no figure.
    expect(svg).toContain('1 instance, one Redis');
    expect(svg).not.toContain('1 instance, Redis down');
    expect(svg.match(/instances?, (one Redis|cluster \(3\+3\)|Redis down)</g)).toHaveLength(3);
  });
});
