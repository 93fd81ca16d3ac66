import { describe, expect, it } from 'vitest';
import { callTime, clockTime, duration, signedDuration } from './format';

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

  it('shows call times finely below 10 ms', () => {
    expect(callTime(0.123)).toBe('0.12 ms');
    expect(callTime(0)).toBe('< 0.1 ms');
    expect(callTime(0.099)).toBe('< 0.1 ms');
    expect(callTime(38.4)).toBe('38 ms');
    expect(callTime(2_345)).toBe('2.35 s');
  });
});
