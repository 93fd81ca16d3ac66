import type { Clock, TimerProvider } from '../../../packages/tokenwarden/src/index';

/**
 * A TimerProvider + Clock pair for tokenwarden's injection points: time moves only in `advanceTo`.
 * Built for many timers (100 000 keys): due timers are collected in one pass per wave.
 */
export class ManualTimers implements TimerProvider {
  now = 0;
  #next = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  readonly clock: Clock = { now: () => this.now, monotonic: () => this.now };

  setTimeout(callback: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get size(): number {
    return this.#timers.size;
  }

  /** Runs every timer due by `target` in due order, including ones armed along the way. */
  advanceTo(target: number): void {
    for (;;) {
      const due = [...this.#timers].filter(([, timer]) => timer.at <= target).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
      if (due.length === 0) break;
      for (const [id, timer] of due) {
        if (!this.#timers.has(id)) continue;
        this.#timers.delete(id);
        this.now = Math.max(this.now, timer.at);
        timer.callback();
      }
    }
    this.now = Math.max(this.now, target);
  }
}
