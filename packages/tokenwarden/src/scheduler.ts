import { clampDelay } from './retry';
import { unrefTimer } from './timers';
import type { TimerHandle, TimerProvider } from './types';

interface Slot {
  id: string;
  dueAt: number;
}

/**
 * One timer for every planned refresh: a binary min-heap of due times, with the single timer armed
 * for the earliest. Replaced or cancelled plans stay in the heap and are skipped when popped
 * (checked against `#due`), which keeps `plan` O(log n).
 *
 * A timer that fires late (laptop sleep, throttled background tab) just finds more work overdue;
 * `runOverdue()` does the same on demand for wake-up signals.
 */
export class Scheduler {
  readonly #heap: Slot[] = [];
  readonly #due = new Map<string, number>();
  readonly #timers: TimerProvider;
  readonly #now: () => number;
  readonly #onDue: (id: string) => void;
  #timer: TimerHandle | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  #stopped = false;

  constructor(options: { timers: TimerProvider; now: () => number; onDue: (id: string) => void }) {
    this.#timers = options.timers;
    this.#now = options.now;
    this.#onDue = options.onDue;
  }

  /** Plans (or re-plans) `id` at `dueAt` (ms on the `now` clock). */
  plan(id: string, dueAt: number): void {
    if (this.#stopped) return;
    this.#due.set(id, dueAt);
    this.#push({ id, dueAt });
    if (dueAt < this.#armedFor) this.#arm();
  }

  cancel(id: string): void {
    this.#due.delete(id);
    if (this.#due.size === 0) this.#disarm();
  }

  dueAt(id: string): number | undefined {
    return this.#due.get(id);
  }

  get size(): number {
    return this.#due.size;
  }

  /** Runs everything due by now, then re-arms for the next. */
  runOverdue(): void {
    // Stryker disable next-line ConditionalExpression: stop() empties the heap and the plans, and plan() ignores a stopped scheduler, so a run after stop() finds nothing due and arms nothing
    if (this.#stopped) return;
    const now = this.#now();
    const ready: string[] = [];
    for (let top = this.#heap[0]; top !== undefined && top.dueAt <= now; top = this.#heap[0]) {
      this.#pop();
      if (this.#due.get(top.id) === top.dueAt) {
        this.#due.delete(top.id);
        ready.push(top.id);
      }
    }
    this.#arm();
    for (const id of ready) this.#onDue(id);
  }

  clear(): void {
    this.#due.clear();
    this.#heap.length = 0;
    this.#disarm();
  }

  stop(): void {
    this.clear();
    this.#stopped = true;
  }

  #arm(): void {
    this.#disarm();
    // Drop stale tops so the timer is armed for a plan that still exists.
    while (this.#heap.length > 0) {
      const top = this.#heap[0] as Slot;
      if (this.#due.get(top.id) === top.dueAt) break;
      this.#pop();
    }
    const next = this.#heap[0];
    if (!next) return;
    this.#armedFor = next.dueAt;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#armedFor = Number.POSITIVE_INFINITY;
      this.runOverdue();
    }, clampDelay(next.dueAt - this.#now()));
    unrefTimer(this.#timer);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Number.POSITIVE_INFINITY;
  }

  #push(slot: Slot): void {
    const heap = this.#heap;
    heap.push(slot);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as Slot).dueAt <= slot.dueAt) break;
      heap[i] = heap[parent] as Slot;
      i = parent;
    }
    heap[i] = slot;
  }

  #pop(): void {
    const heap = this.#heap;
    // Undefined only from an empty heap, which the length check below returns on.
    const last = heap.pop() as Slot;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && (heap[right] as Slot).dueAt < (heap[left] as Slot).dueAt ? right : left;
      if ((heap[child] as Slot).dueAt >= last.dueAt) break;
      heap[i] = heap[child] as Slot;
      i = child;
    }
    heap[i] = last;
  }
}
