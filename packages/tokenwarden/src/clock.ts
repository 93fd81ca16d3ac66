import type { Clock } from './types';

/** Lazy wrappers so fake timers installed after import still drive the defaults. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => (typeof performance !== 'undefined' ? performance.now() : Date.now()),
};

/**
 * How far a local clock may run fast or slow against the server's between two samples: 100 ppm
 * (quartz is ~20-50 ppm; virtual machines are worse). Widens the bounds as a sample ages.
 */
const DRIFT = 100e-6;

/**
 * How much the wall clock may fall behind the monotonic one before `wallAt()` answers are
 * withdrawn: the two are read a moment apart and `Date.now()` has whole-ms resolution.
 */
const LAG_TOLERANCE = 1;

/**
 * A reading of the server's clock and how precise it is: `time` is the server's clock floored to
 * `resolution` ms (1000 for whole seconds: a `Date` header, a JWT `iat`), taken at some moment
 * between `sentAt` and `receivedAt` on the local `localNow()` scale.
 */
export interface ClockSample {
  time: number;
  resolution: number;
  sentAt: number;
  receivedAt: number;
}

/**
 * The server's time as this client knows it, as an interval: the true server time is somewhere in
 * `[earliest(), latest()]`, in ms.
 *
 * Each answer from the token server bounds the offset (server − local): the reading lies in
 * `[time, time + resolution)` and was taken between send and receive. Intersecting the bounds of
 * successive samples narrows them (NTP-style filtering) from a second plus a round trip to a few
 * tens of ms; a sample that contradicts the bounds means a clock stepped (server or local) and
 * starts over from that sample. Bounds widen with drift as a sample ages.
 *
 * Elapsed time since the last sample is the larger of the wall-clock and monotonic deltas for the
 * late end (a wall clock set back cannot make a token look younger; a laptop whose monotonic clock
 * stopped in sleep cannot either) and the smaller for the early end. Expiry is judged on the late
 * end, so an imprecise estimate costs an early refresh, never a token past its cutoff.
 */
export class ServerClock {
  readonly #clock: Clock;
  #anchorWall: number;
  #anchorMono: number | undefined;
  /** Bounds of the server's time at the anchor. */
  #low: number;
  #high: number;
  #lastLocal = 0;
  #samples = 0;
  /** The last wall-clock reading seen, by `wall()` or `now()`: a later one below it is a step back. */
  #lastWall: number;
  /** How far the wall clock has fallen behind the monotonic one since the anchor, at its worst so far. */
  #lag = 0;
  #generation = 0;
  /** A sample that contradicted the bounds, held until a second one confirms a clock step. */
  #outlier: { low: number; high: number; at: number } | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.#anchorWall = clock.now();
    this.#anchorMono = clock.monotonic?.();
    this.#lastWall = this.#anchorWall;
    // Before any answer the local clock is all there is: taken as the server's, exactly.
    this.#low = this.#anchorWall;
    this.#high = this.#anchorWall;
  }

  /** The latest the server's clock can be now: the one to judge expiry and cutoffs by. */
  now(): number {
    const wall = this.wall();
    const wallElapsed = wall - this.#anchorWall;
    // Stryker disable next-line ConditionalExpression,OptionalChaining: the anchor is undefined exactly when the clock has no monotonic source, so both ways read undefined or the same function
    const mono = this.#anchorMono === undefined ? undefined : this.#clock.monotonic?.();
    const monoElapsed = mono === undefined ? wallElapsed : mono - (this.#anchorMono as number);
    this.#lastLocal = mono ?? wall;
    // The wall clock fell further behind the monotonic one (set back, or slewed): from here on the
    // late end runs ahead of what `wallAt()` promised, so its answers are withdrawn.
    if (monoElapsed - wallElapsed > this.#lag + LAG_TOLERANCE) {
      this.#lag = monoElapsed - wallElapsed;
      this.#withdraw();
    }
    // Stryker disable next-line EqualityOperator: on equal elapsed times both branches are the same number
    const elapsed = wallElapsed > monoElapsed ? wallElapsed : monoElapsed;
    // Stryker disable next-line EqualityOperator: at 0 elapsed both branches are the anchor's bound
    return elapsed > 0 ? this.#high + elapsed * (1 + DRIFT) : this.#high;
  }

  /**
   * The local wall clock, read once: the only clock the cache-hit path reads. A reading below the
   * previous one (the wall clock was set back) withdraws every `wallAt()` answer.
   */
  wall(): number {
    const wall = this.#clock.now();
    if (wall < this.#lastWall) this.#withdraw();
    this.#lastWall = wall;
    return wall;
  }

  /** Every `wallAt()` answer given so far may no longer hold. */
  #withdraw(): void {
    // Stryker disable next-line UpdateOperator: a generation that only ever goes down is as good as one that only goes up: answers are matched by equality
    this.#generation++;
  }

  /**
   * Bumped whenever a `wallAt()` answer may no longer hold: a sample was learned, the wall clock
   * stepped back or fell behind the monotonic one.
   */
  get generation(): number {
    return this.#generation;
  }

  /**
   * The local wall-clock time at which the late end reaches `server`, if both local clocks run on
   * together from now: valid while {@link generation} is unchanged. Lets a caller compare one
   * `Date.now()` with a precomputed deadline instead of reading both clocks.
   */
  wallAt(server: number): number {
    const late = this.now();
    return this.#lastWall + (server - late) / (1 + DRIFT);
  }

  /** The earliest the server's clock can be now: the one to judge "not yet valid" by. */
  earliest(): number {
    const wallElapsed = this.#clock.now() - this.#anchorWall;
    // Stryker disable next-line ConditionalExpression,OptionalChaining: the anchor is undefined exactly when the clock has no monotonic source, so both ways read undefined or the same function
    const mono = this.#anchorMono === undefined ? undefined : this.#clock.monotonic?.();
    const monoElapsed = mono === undefined ? wallElapsed : mono - (this.#anchorMono as number);
    // Stryker disable next-line EqualityOperator: on equal elapsed times both branches are the same number
    const elapsed = wallElapsed < monoElapsed ? wallElapsed : monoElapsed;
    // Stryker disable next-line EqualityOperator: at 0 elapsed both branches are the anchor's bound
    return elapsed > 0 ? this.#low + elapsed * (1 - DRIFT) : this.#low;
  }

  /** The middle of the bounds: the best single guess, for display. */
  estimate(): number {
    const late = this.now();
    return late - (late - this.earliest()) / 2;
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

  /** Converts a `localNow()` reading to server time (late end), at the current estimate. */
  toServerTime(local: number): number {
    return this.now() + (local - this.localNow());
  }

  /** Converts a server time (late end) to the `localNow()` scale, at the current estimate. */
  toLocalTime(server: number): number {
    return this.localNow() + (server - this.now());
  }

  /** Best estimate of `server − local wall clock`, ms (for display and diagnostics). */
  get offset(): number {
    return this.estimate() - this.#clock.now();
  }

  /** Bounds of `server − local wall clock`, ms: the true offset lies between them. */
  get offsetBounds(): { low: number; high: number } {
    const wall = this.#clock.now();
    return { low: this.earliest() - wall, high: this.now() - wall };
  }

  /** How many samples the bounds rest on since the last detected clock step. */
  get samples(): number {
    return this.#samples;
  }

  /**
   * Narrows the bounds with one reading of the server's clock. False when the reading was set
   * aside as an outlier (it contradicts the bounds, and no earlier outlier agrees with it).
   */
  learn(sample: ClockSample): boolean {
    const { time, sentAt, receivedAt } = sample;
    if (!Number.isFinite(time) || !Number.isFinite(sentAt) || !Number.isFinite(receivedAt)) return false;
    const resolution = Math.max(1, sample.resolution);
    const trip = Math.max(0, receivedAt - sentAt);
    // What the sample says about the server's clock right now (at receive plus any delay since).
    const local = this.localNow();
    const sinceReceived = Math.max(0, local - receivedAt);
    let low = time + sinceReceived * (1 - DRIFT);
    let high = time + resolution + (trip + sinceReceived) * (1 + DRIFT);
    const oldLow = this.earliest();
    const oldHigh = this.now();
    if (this.#samples > 0 && low <= oldHigh && oldLow <= high) {
      low = Math.max(low, oldLow);
      high = Math.min(high, oldHigh);
      this.#samples++;
      this.#outlier = undefined;
    } else if (this.#samples > 0) {
      // One answer that contradicts all before it is more likely a skewed issuer node (or a token
      // from the future) than a clock step: it counts only once a second answer agrees with it.
      const previous = this.#outlier;
      const elapsed = previous === undefined ? 0 : Math.max(0, local - previous.at);
      if (previous === undefined || low > previous.high + elapsed * (1 + DRIFT) || previous.low + elapsed * (1 - DRIFT) > high) {
        this.#outlier = { low, high, at: local };
        return false;
      }
      low = Math.max(low, previous.low + elapsed * (1 - DRIFT));
      high = Math.min(high, previous.high + elapsed * (1 + DRIFT));
      this.#samples = 2;
      this.#outlier = undefined;
    } else {
      this.#samples = 1;
    }
    this.#low = low;
    this.#high = high;
    this.#anchorWall = this.wall();
    this.#anchorMono = this.#clock.monotonic?.();
    this.#lag = 0;
    this.#withdraw();
    return true;
  }
}

/** Whole-second readings (`Date` header, `iat`) are floored to the second; finer ones to the ms. */
export function resolutionOf(time: number): number {
  return time % 1000 === 0 ? 1000 : 1;
}
