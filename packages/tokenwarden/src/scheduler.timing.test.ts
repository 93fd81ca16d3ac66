import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Scheduler } from './scheduler';
import { systemTimers } from './timers';
import type { TimerProvider } from './types';

// Each plan runs at its own due time, on one timer that is set only when the earliest live plan
// changes (scheduler.ts).

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** The system timers, with every delay the scheduler asks for recorded. */
function recordingTimers() {
  const delays: number[] = [];
  const timers: TimerProvider = {
    setTimeout: (callback, ms) => {
      delays.push(ms);
      return systemTimers.setTimeout(callback, ms);
    },
    clearTimeout: (handle) => systemTimers.clearTimeout(handle),
  };
  return { timers, delays };
}

function make(timers: TimerProvider = systemTimers) {
  const fired: Array<[string, number]> = [];
  const scheduler = new Scheduler({ timers, now: () => Date.now(), onDue: (id) => fired.push([id, Date.now()]) });
  return { scheduler, fired };
}

describe('Scheduler timing', () => {
  it('runs every one of many plans exactly at its due time, not merely in order', async () => {
    const { scheduler, fired } = make();
    const dues = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 1000) + 1);
    dues.forEach((due, i) => scheduler.plan(`k${i}`, due));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(fired).toHaveLength(200);
    const expected = dues.map((due, i) => [`k${i}`, due] as [string, number]).sort((a, b) => a[1] - b[1]);
    expect([...fired].sort((a, b) => a[1] - b[1])).toEqual(expected);
  });

  it('runs plans re-planned in between at their own times too', async () => {
    const { scheduler, fired } = make();
    const dues = Array.from({ length: 60 }, (_, i) => ((i * 37) % 61) * 10 + 10);
    dues.forEach((due, i) => scheduler.plan(`k${i}`, due));
    // Move every third plan later; the old slots are left behind in the heap.
    dues.forEach((due, i) => {
      if (i % 3 === 0) scheduler.plan(`k${i}`, due + 5);
    });
    await vi.advanceTimersByTimeAsync(2_000);
    for (const [id, at] of fired) {
      const i = Number(id.slice(1));
      expect(at).toBe((dues[i] as number) + (i % 3 === 0 ? 5 : 0));
    }
    expect(fired).toHaveLength(60);
  });

  it('planning later keys sets no new timer; an earlier one re-arms', () => {
    const { timers, delays } = recordingTimers();
    const { scheduler } = make(timers);
    scheduler.plan('a', 100);
    scheduler.plan('b', 100);
    scheduler.plan('c', 300);
    expect(delays).toEqual([100]);
    scheduler.plan('d', 50);
    expect(delays).toEqual([100, 50]);
  });

  it('after a run, the timer is set for the next plan that still exists, skipping superseded ones', async () => {
    const { timers, delays } = recordingTimers();
    const { scheduler, fired } = make(timers);
    scheduler.plan('a', 300);
    scheduler.plan('a', 500); // the slot at 300 is now stale
    scheduler.plan('b', 100);
    await vi.advanceTimersByTimeAsync(100);
    expect(fired).toEqual([['b', 100]]);
    // From 100, straight to a's plan at 500: no wake-up at the stale 300.
    expect(delays.at(-1)).toBe(400);
    await vi.advanceTimersByTimeAsync(400);
    expect(fired).toEqual([
      ['b', 100],
      ['a', 500],
    ]);
  });

  it('cancelling the last plan leaves no timer', () => {
    const { scheduler } = make();
    scheduler.plan('a', 100);
    scheduler.plan('b', 200);
    scheduler.cancel('a');
    expect(vi.getTimerCount()).toBe(1);
    scheduler.cancel('b');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dueAt() tells when a key is planned, until it runs or is cancelled', async () => {
    const { scheduler } = make();
    scheduler.plan('a', 100);
    scheduler.plan('b', 200);
    scheduler.plan('b', 250);
    expect(scheduler.dueAt('a')).toBe(100);
    expect(scheduler.dueAt('b')).toBe(250);
    expect(scheduler.dueAt('c')).toBeUndefined();
    scheduler.cancel('b');
    expect(scheduler.dueAt('b')).toBeUndefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(scheduler.dueAt('a')).toBeUndefined();
  });
});
