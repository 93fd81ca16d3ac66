import type { Clock, TimerProvider } from '../src/types';

interface Pending {
  id: number;
  at: number;
  callback: () => void;
}

/** Real I/O gets a turn: a few macrotasks so sockets can deliver what is ready. */
export const yieldToIo = () => new Promise<void>((resolve) => setTimeout(resolve, 2));

/**
 * A clock and timer provider the test moves by hand, for integration tests where real HTTP must
 * keep its real event loop (so global fake timers are out) but the client's time must not be real.
 */
export function manualTime(start = Date.UTC(2026, 0, 1, 12, 0, 0)) {
  let now = start;
  let nextId = 0;
  const pending: Pending[] = [];
  const timers: TimerProvider = {
    setTimeout(callback, ms) {
      const entry = { id: ++nextId, at: now + Math.max(0, ms), callback };
      pending.push(entry);
      return { id: entry.id, unref() {}, ref() {} };
    },
    clearTimeout(handle) {
      const id = (handle as { id?: number } | undefined)?.id;
      const index = pending.findIndex((entry) => entry.id === id);
      if (index >= 0) pending.splice(index, 1);
    },
  };
  const clock: Clock = { now: () => now };

  /** Moves time forward, firing due timers in order, letting I/O run after each. */
  async function advance(ms: number): Promise<void> {
    const target = now + ms;
    for (;;) {
      pending.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = pending[0];
      if (!next || next.at > target) break;
      pending.shift();
      now = next.at;
      next.callback();
      await yieldToIo();
    }
    now = target;
    await yieldToIo();
  }

  /** Advances in steps until the promise settles (real I/O runs between steps). */
  async function drive<T>(promise: Promise<T>, step = 50, limitMs = 120_000): Promise<{ value?: T; error?: unknown; elapsed: number }> {
    const started = now;
    let outcome: { value?: T; error?: unknown } | undefined;
    promise.then(
      (value) => (outcome = { value }),
      (error) => (outcome = { error }),
    );
    await yieldToIo();
    while (!outcome && now - started < limitMs) {
      await advance(step);
    }
    if (!outcome) throw new Error(`did not settle within ${limitMs} ms of manual time`);
    return { ...outcome, elapsed: now - started };
  }

  return { timers, clock, advance, drive, now: () => now, get pendingTimers() { return pending.length; } };
}
