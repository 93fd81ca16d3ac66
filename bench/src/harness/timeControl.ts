/**
 * One clock for the whole benchmark process, so servers and libraries agree on what "now" is.
 *
 * - `trueNow()` is what the token servers see (the real time, plus any `jump`).
 * - `Date` / `Date.now()` as seen by the libraries is `trueNow() + clientSkew`, so "the client's
 *   clock is 10 minutes fast" is one assignment.
 * - In virtual mode, the global timers (`setTimeout`, `setInterval`, ...) are replaced by a queue
 *   that only moves when `advance()` says so: an hour of a library's life runs in seconds, and
 *   every library gets the same hour. Real I/O (the loopback HTTP requests) still happens; the
 *   queue only moves once no request is in flight, so no library loses a race it would win live.
 *
 * Libraries that capture `setTimeout` at import time would escape the virtual queue; the peers
 * benchmarked here look the globals up at call time (checked by the request counts they produce),
 * except clerk-js's session poller, which binds `setTimeout` in `load()`: its adapter runs `load()`
 * in a page scope (`pageScope.ts`) whose timer functions look the global up at each call.
 */

type Callback = (...args: unknown[]) => void;

interface VirtualTimer {
  id: number;
  at: number;
  seq: number;
  callback: Callback;
  args: unknown[];
  /** Repeat period for setInterval, else undefined. */
  every: number | undefined;
}

const real = {
  DateNow: Date.now.bind(Date),
  perfNow: performance.now.bind(performance),
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
};
const RealDate = Date;

/** A handle shaped like Node's Timeout, so `unref()`/`ref()`/`hasRef()` callers keep working. */
class VirtualHandle {
  constructor(readonly id: number) {}
  unref(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

export interface TimeControlOptions {
  /** How many requests are in flight right now (virtual time waits for zero before moving). */
  inFlight: () => number;
}

export class TimeControl {
  #virtual = false;
  #virtualNow = 0;
  /** performance.now() reading when virtual mode began, so monotonic time keeps counting up. */
  #virtualPerfBase = 0;
  #virtualStart = 0;
  #jump = 0;
  #clientSkew = 0;
  #timers = new Map<number, VirtualTimer>();
  #nextId = 1;
  #seq = 0;
  #inFlight: () => number;
  #installed = false;

  constructor(options: TimeControlOptions) {
    this.#inFlight = options.inFlight;
  }

  /** Replaces `Date` and `performance.now` once; timers are swapped only in virtual mode. */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    const control = this;
    class BenchDate extends RealDate {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(control.clientNow());
        else super(...(args as [string | number | Date]));
      }
      static override now(): number {
        return control.clientNow();
      }
    }
    globalThis.Date = BenchDate as DateConstructor;
    performance.now = () => this.monotonicNow();
  }

  /**
   * Puts the platform's own `Date` and `performance.now` back until the returned function is
   * called: micro-benchmarks must not charge the libraries for this harness's clock wrappers.
   * Only valid in real mode with no jump or skew in force (the clocks then agree anyway).
   */
  withNativeClock(): () => void {
    if (this.#virtual || this.#clientSkew !== 0) throw new Error('withNativeClock() needs real time and no skew');
    const patchedDate = globalThis.Date;
    const patchedPerf = performance.now;
    const jump = this.#jump;
    if (jump === 0) {
      globalThis.Date = RealDate;
      performance.now = real.perfNow;
    }
    return () => {
      globalThis.Date = patchedDate;
      performance.now = patchedPerf;
    };
  }

  /** Puts every global back (tests). */
  uninstall(): void {
    this.exitVirtual();
    if (!this.#installed) return;
    this.#installed = false;
    globalThis.Date = RealDate;
    performance.now = real.perfNow;
  }

  /** Time on the servers' clock, ms since the epoch. */
  trueNow(): number {
    return (this.#virtual ? this.#virtualNow : real.DateNow()) + this.#jump;
  }

  /** Time on the libraries' (the client's) clock. */
  clientNow(): number {
    return this.trueNow() + this.#clientSkew;
  }

  monotonicNow(): number {
    return this.#virtual ? this.#virtualPerfBase + (this.#virtualNow - this.#virtualStart) : real.perfNow();
  }

  /** Makes the client's clock run `ms` ahead of the servers' (negative: behind). */
  set clientSkew(ms: number) {
    this.#clientSkew = ms;
  }

  get clientSkew(): number {
    return this.#clientSkew;
  }

  /** Moves both clocks forward without running any timer: the laptop lid was closed. */
  jump(ms: number): void {
    this.#jump += ms;
  }

  get virtual(): boolean {
    return this.#virtual;
  }

  /** Starts virtual time at the current real time. */
  enterVirtual(): void {
    if (this.#virtual) return;
    this.#virtualStart = real.DateNow();
    this.#virtualNow = this.#virtualStart;
    this.#virtualPerfBase = real.perfNow();
    this.#virtual = true;
    const g = globalThis as Record<string, unknown>;
    g['setTimeout'] = (callback: Callback, ms?: number, ...args: unknown[]) => this.#add(callback, ms, args, false);
    g['setInterval'] = (callback: Callback, ms?: number, ...args: unknown[]) => this.#add(callback, ms, args, true);
    g['clearTimeout'] = (handle: unknown) => this.#clear(handle);
    g['clearInterval'] = (handle: unknown) => this.#clear(handle);
  }

  /** Back to real timers; pending virtual timers are dropped (their owners were closed). */
  exitVirtual(): void {
    if (!this.#virtual) return;
    // Keep the clock continuous: what virtual time added stays as a jump.
    this.#jump += this.#virtualNow - real.DateNow();
    this.#virtual = false;
    this.#timers.clear();
    const g = globalThis as Record<string, unknown>;
    g['setTimeout'] = real.setTimeout;
    g['setInterval'] = real.setInterval;
    g['clearTimeout'] = real.clearTimeout;
    g['clearInterval'] = real.clearInterval;
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** How far ahead of now the earliest virtual timer is due, ms (0 if due now); undefined with none. */
  get nextTimerIn(): number | undefined {
    const next = this.#earliest();
    return next === undefined ? undefined : Math.max(0, next.at - this.#virtualNow);
  }

  /** Runs every virtual timer due up to `now + ms`, in order, letting I/O finish between them. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#virtualNow + ms);
  }

  async advanceTo(target: number): Promise<void> {
    if (!this.#virtual) throw new Error('advance() needs virtual time');
    let fired = 0;
    for (;;) {
      await this.settle();
      const next = this.#earliest();
      if (!next || next.at > target) break;
      if (++fired > 5_000_000) throw new Error('virtual time: runaway timers (a library re-arms a zero-delay timer forever)');
      this.#virtualNow = Math.max(this.#virtualNow, next.at);
      if (next.every === undefined) this.#timers.delete(next.id);
      else {
        next.at = this.#virtualNow + next.every;
        next.seq = this.#seq++;
      }
      try {
        next.callback(...next.args);
      } catch (error) {
        // A timer callback that throws would crash a browser tab's task, not the page: report and go on.
        console.error('[bench] a library timer threw:', error);
      }
    }
    this.#virtualNow = Math.max(this.#virtualNow, target);
    await this.settle();
  }

  /**
   * Lets promise chains and loopback requests finish without moving virtual time. Zero-delay
   * timers queued meanwhile run here too (they are due now).
   */
  async settle(): Promise<void> {
    let quiet = 0;
    const startedAt = real.DateNow();
    while (quiet < 4) {
      await new Promise<void>((resolve) => real.setImmediate(resolve));
      const due = this.#virtual ? this.#earliest() : undefined;
      if (due && due.at <= this.#virtualNow) {
        quiet = 0;
        if (due.every === undefined) this.#timers.delete(due.id);
        else due.at = this.#virtualNow + Math.max(1, due.every);
        due.callback(...due.args);
        continue;
      }
      if (this.#inFlight() > 0) {
        quiet = 0;
        if (real.DateNow() - startedAt > 60_000) throw new Error('virtual time: a request has been in flight for 60 s of real time');
        continue;
      }
      quiet++;
    }
  }

  #add(callback: Callback, ms: number | undefined, args: unknown[], repeat: boolean): VirtualHandle {
    if (typeof callback !== 'function') throw new TypeError('callback must be a function');
    const delay = Math.max(0, Number.isFinite(ms) ? (ms as number) : 0);
    const id = this.#nextId++;
    this.#timers.set(id, {
      id,
      at: this.#virtualNow + delay,
      seq: this.#seq++,
      callback,
      args,
      every: repeat ? Math.max(1, delay) : undefined,
    });
    return new VirtualHandle(id);
  }

  #clear(handle: unknown): void {
    if (handle === undefined || handle === null) return;
    const id = typeof handle === 'number' ? handle : handle instanceof VirtualHandle ? handle.id : undefined;
    if (id !== undefined) this.#timers.delete(id);
  }

  #earliest(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.#timers.values()) {
      if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
    }
    return best;
  }
}

export const realTimers = real;
