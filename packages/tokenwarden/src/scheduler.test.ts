import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from './scheduler';
import { systemTimers } from './timers';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function make() {
  const fired: Array<[string, number]> = [];
  const scheduler = new Scheduler({ timers: systemTimers, now: () => Date.now(), onDue: (id) => fired.push([id, Date.now()]) });
  return { scheduler, fired };
}

describe('Scheduler', () => {
  it('runs plans in due order on one timer', async () => {
    const { scheduler, fired } = make();
    for (const [id, at] of [['c', 300], ['a', 100], ['b', 200], ['d', 400]] as const) scheduler.plan(id, at);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual([['a', 100], ['b', 200], ['c', 300], ['d', 400]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-planning replaces the earlier plan; cancel removes it', async () => {
    const { scheduler, fired } = make();
    scheduler.plan('a', 100);
    scheduler.plan('a', 500);
    scheduler.plan('b', 200);
    scheduler.cancel('b');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(fired).toEqual([['a', 500]]);
  });

  it('runs everything overdue at once when the clock jumps (sleep)', () => {
    const { scheduler, fired } = make();
    scheduler.plan('a', 100);
    scheduler.plan('b', 200);
    scheduler.plan('c', 10_000);
    vi.setSystemTime(5_000);
    scheduler.runOverdue();
    expect(fired.map(([id]) => id)).toEqual(['a', 'b']);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('clamps far-future plans to the largest timer delay', () => {
    const { scheduler } = make();
    scheduler.plan('far', 2 ** 40);
    expect(vi.getTimerCount()).toBe(1);
  });

  it('stop() leaves no timer and ignores later plans', () => {
    const { scheduler } = make();
    scheduler.plan('a', 100);
    scheduler.stop();
    scheduler.plan('b', 100);
    expect(vi.getTimerCount()).toBe(0);
    expect(scheduler.size).toBe(0);
  });

  it('keeps order for many random plans', async () => {
    const { scheduler, fired } = make();
    const dues = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 1000) + 1);
    dues.forEach((due, i) => scheduler.plan(`k${i}`, due));
    await vi.advanceTimersByTimeAsync(2_000);
    const times = fired.map(([, at]) => at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(fired).toHaveLength(500);
  });
});
