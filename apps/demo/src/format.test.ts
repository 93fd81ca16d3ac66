import { describe, expect, it } from 'vitest';
import { callTime, clockTime, duration, offsetEstimate, signedDuration } from './format';

describe('format', () => {
  it('shows the local time of day with milliseconds', () => {
    const at = new Date(2026, 0, 2, 9, 5, 7, 42).getTime();
    expect(clockTime(at)).toBe('09:05:07.042');
    expect(clockTime(at, false)).toBe('09:05:07');
  });

  it('shows durations at the precision a person needs', () => {
    expect(duration(-5)).toBe('0 ms');
    expect(duration(850)).toBe('850 ms');
    expect(duration(4_260)).toBe('4.2 s');
    expect(duration(185_000)).toBe('3 min 05 s');
    expect(duration(7_260_000)).toBe('2 h 01 min');
  });

  it('signs clock differences, with a true minus sign', () => {
    expect(signedDuration(120_000)).toBe('+2 min 00 s');
    expect(signedDuration(-300)).toBe('−300 ms');
    expect(signedDuration(0.4)).toBe('±0 ms');
  });

  it('shows the clock offset with its uncertainty when the engine gives bounds', () => {
    expect(offsetEstimate(-12, { low: -52, high: 28 })).toBe('−12 ms ± 40 ms');
    expect(offsetEstimate(0.2, { low: -3, high: 1 })).toBe('0 ms ± 3 ms');
    // Not centred: the larger side, so the true offset is inside what is shown.
    expect(offsetEstimate(300_000, { low: 299_100, high: 300_050 })).toBe('+5 min 00 s ± 900 ms');
    expect(offsetEstimate(-800, undefined)).toBe('−800 ms');
    expect(offsetEstimate(-800, { low: Number.NaN, high: 0 })).toBe('−800 ms');
  });

  it('shows call times finely below 10 ms', () => {
    expect(callTime(0.123)).toBe('0.12 ms');
    expect(callTime(0)).toBe('< 0.1 ms');
    expect(callTime(0.099)).toBe('< 0.1 ms');
    expect(callTime(38.4)).toBe('38 ms');
    expect(callTime(2_345)).toBe('2.35 s');
  });
});
