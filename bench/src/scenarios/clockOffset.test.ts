import { describe, expect, it } from 'vitest';
import { judgeReading } from './clockOffset';

describe('judgeReading', () => {
  it('measures the absolute error of the estimate, either side of the true offset', () => {
    expect(judgeReading(1, 600_400, { estimate: 600_000 })).toEqual({ fetches: 1, error: 400, width: undefined, inside: undefined });
    expect(judgeReading(3, -600_400, { estimate: -600_000 }).error).toBe(400);
    expect(judgeReading(3, -600_400, { estimate: -600_900 }).error).toBe(500);
  });

  it('reports the width of the bounds and whether the true offset lies within them (ends included)', () => {
    expect(judgeReading(10, 1_000, { estimate: 1_050, bounds: { low: 1_000, high: 1_100 } })).toEqual({ fetches: 10, error: 50, width: 100, inside: true });
    expect(judgeReading(10, 1_100, { estimate: 1_050, bounds: { low: 1_000, high: 1_100 } }).inside).toBe(true);
    expect(judgeReading(10, 999, { estimate: 1_050, bounds: { low: 1_000, high: 1_100 } }).inside).toBe(false);
    expect(judgeReading(10, 1_101, { estimate: 1_050, bounds: { low: 1_000, high: 1_100 } }).inside).toBe(false);
  });
});
