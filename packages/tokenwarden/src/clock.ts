import type { Clock } from './types';

/** Lazy wrappers so fake timers installed after import still drive the defaults. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
};

/**
 * The server's time as this client best knows it, in ms.
 *
 * Anchored at the last skew sample. Elapsed time since the anchor is the larger of the wall-clock
 * and the monotonic deltas: a wall clock set backwards cannot make a token look younger (monotonic
 * wins), and a laptop that slept, where some monotonic clocks stop, cannot either (wall wins).
 * Erring late only ever makes tokens look older, which costs an early refresh, never an expired token.
 */
export class ServerClock {
  readonly #clock: Clock;
  #anchorServer: number;
  #anchorWall: number;
  #anchorMono: number | undefined;
  #offset = 0;
  #lastLocal = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#anchorWall = clock.now();
    this.#anchorServer = this.#anchorWall;
    this.#anchorMono = clock.monotonic?.();
  }

  now(): number {
    const wall = this.#clock.now();
    const wallElapsed = wall - this.#anchorWall;
    const mono = this.#anchorMono === undefined ? undefined : this.#clock.monotonic?.();
    const monoElapsed = mono === undefined || this.#anchorMono === undefined ? wallElapsed : mono - this.#anchorMono;
    this.#lastLocal = mono ?? wall;
    const elapsed = wallElapsed > monoElapsed ? wallElapsed : monoElapsed;
    return this.#anchorServer + (elapsed > 0 ? elapsed : 0);
  }

  /**
   * The `localNow()` reading taken by the last `now()`: the cache-hit path needs both and each clock
   * read is a measurable share of it.
   */
  get lastLocal(): number {
    return this.#lastLocal;
  }

  /**
   * Local monotonic time (wall time without a monotonic source): for durations — round trips,
   * retry deadlines, idleness — which must not jump when the server offset is re-learned.
   */
  localNow(): number {
    return this.#clock.monotonic?.() ?? this.#clock.now();
  }

  /** Converts a `localNow()` reading to server time, at the current estimate. */
  toServerTime(local: number): number {
    return this.now() + (local - this.localNow());
  }

  /** Converts a server time to the `localNow()` scale, at the current estimate. */
  toLocalTime(server: number): number {
    return this.localNow() + (server - this.now());
  }

  /** Last learned `server - local` difference, ms (for display and diagnostics). */
  get offset(): number {
    return this.#offset;
  }

  /**
   * Learns the offset from a server time reading taken, as far as we can tell, half-way through a
   * round trip that started `sentAt` and ended `receivedAt` (both from `localNow()`).
   */
  learn(serverTimeMs: number, sentAt: number, receivedAt: number): void {
    const wall = this.#clock.now();
    const halfTrip = Math.max(0, receivedAt - sentAt) / 2;
    // The reading was taken half a round trip before "now".
    this.#anchorServer = serverTimeMs + halfTrip;
    this.#anchorWall = wall;
    this.#anchorMono = this.#clock.monotonic?.();
    this.#offset = this.#anchorServer - wall;
  }
}
