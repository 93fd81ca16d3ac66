import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerClock, systemClock } from './clock';

/**
 * Exact arithmetic of the bounds: every figure below is what the rules in docs/architecture.md
 * ("The server clock is an interval") give, to the ms, including 100 ppm of drift as bounds age.
 */
const D = 100e-6;
const T = 1_900_000_000_000;

function local(options: { monotonic?: boolean } = {}) {
  let wall = 1_000_000;
  let mono = 5_000;
  const clock = new ServerClock(options.monotonic === false ? { now: () => wall } : { now: () => wall, monotonic: () => mono });
  return {
    clock,
    /** Both local clocks move on (time passes). */
    pass(ms: number) {
      wall += ms;
      mono += ms;
    },
    /** Only the wall clock moves (set, or slept through with a paused monotonic clock). */
    stepWall(ms: number) {
      wall += ms;
    },
    get mono() {
      return mono;
    },
  };
}

describe('ServerClock: the bounds, exactly', () => {
  it('a sample read at once: [reading, reading + resolution + trip × (1 + drift)]', () => {
    const l = local();
    const sentAt = l.mono;
    l.pass(100);
    expect(l.clock.learn({ time: T, resolution: 1000, sentAt, receivedAt: l.mono })).toBe(true);
    expect(l.clock.earliest()).toBe(T);
    expect(l.clock.now()).toBe(T + 1000 + 100 * (1 + D));
    expect(l.clock.samples).toBe(1);
  });

  it('a sample read later than it arrived: the delay moves both ends, the late one with drift', () => {
    const l = local();
    const sentAt = l.mono;
    l.pass(100);
    const receivedAt = l.mono;
    l.pass(200);
    l.clock.learn({ time: T, resolution: 1000, sentAt, receivedAt });
    expect(l.clock.earliest()).toBe(T + 200 * (1 - D));
    expect(l.clock.now()).toBe(T + 1000 + (100 + 200) * (1 + D));
  });

  it('a receive time after now (clocks disagreeing) counts as no delay', () => {
    const l = local();
    l.clock.learn({ time: T, resolution: 1000, sentAt: l.mono - 50, receivedAt: l.mono + 400 });
    expect(l.clock.earliest()).toBe(T);
    expect(l.clock.now()).toBe(T + 1000 + 450 * (1 + D));
  });

  it('as the sample ages the bounds widen by 100 ppm each way', () => {
    const l = local();
    l.clock.learn({ time: T, resolution: 1, sentAt: l.mono, receivedAt: l.mono });
    l.pass(1_000_000);
    expect(l.clock.earliest()).toBe(T + 1_000_000 * (1 - D));
    expect(l.clock.now()).toBe(T + 1 + 1_000_000 * (1 + D));
  });

  it('late end: the larger of the wall and monotonic elapsed times; early end: the smaller', () => {
    const l = local();
    l.clock.learn({ time: T, resolution: 1, sentAt: l.mono, receivedAt: l.mono });
    // A laptop slept: the wall clock ran 60 s on, the monotonic one 10 s.
    l.pass(10_000);
    l.stepWall(50_000);
    expect(l.clock.now()).toBe(T + 1 + 60_000 * (1 + D));
    expect(l.clock.earliest()).toBe(T + 10_000 * (1 - D));
    // The wall clock is set back 2 minutes: now the monotonic clock is the larger, and the early
    // end (the smaller, negative) stays at the anchor.
    l.stepWall(-120_000);
    expect(l.clock.now()).toBe(T + 1 + 10_000 * (1 + D));
    expect(l.clock.earliest()).toBe(T);
  });

  it('without a monotonic clock a wall clock set back never moves either end back past the anchor', () => {
    const l = local({ monotonic: false });
    l.clock.learn({ time: T, resolution: 1000, sentAt: 0, receivedAt: 0 });
    const late = l.clock.now();
    const early = l.clock.earliest();
    l.stepWall(-30_000);
    expect(l.clock.now()).toBe(late);
    expect(l.clock.earliest()).toBe(early);
  });

  it('a reading that is not a finite number teaches nothing', () => {
    const l = local();
    const before = { late: l.clock.now(), early: l.clock.earliest() };
    expect(l.clock.learn({ time: Number.NaN, resolution: 1000, sentAt: 0, receivedAt: 0 })).toBe(false);
    expect(l.clock.learn({ time: T, resolution: 1000, sentAt: Number.POSITIVE_INFINITY, receivedAt: 0 })).toBe(false);
    expect(l.clock.learn({ time: T, resolution: 1000, sentAt: 0, receivedAt: Number.NaN })).toBe(false);
    expect(l.clock.samples).toBe(0);
    expect({ late: l.clock.now(), early: l.clock.earliest() }).toEqual(before);
  });

  it('bounds that touch at a single ms agree; a ms apart they do not', () => {
    const l = local();
    l.clock.learn({ time: T, resolution: 1, sentAt: l.mono, receivedAt: l.mono });
    // [T - 1, T] touches [T, T + 1] at T.
    expect(l.clock.learn({ time: T - 1, resolution: 1, sentAt: l.mono, receivedAt: l.mono })).toBe(true);
    expect(l.clock.earliest()).toBe(T);
    expect(l.clock.now()).toBe(T);
    expect(l.clock.samples).toBe(2);
    // [T - 2, T - 1] is entirely before it: an outlier, set aside.
    expect(l.clock.learn({ time: T - 2, resolution: 1, sentAt: l.mono, receivedAt: l.mono })).toBe(false);
    expect(l.clock.now()).toBe(T);
  });

  it('bounds that touch at their other end agree too', () => {
    const l = local();
    l.clock.learn({ time: T, resolution: 1, sentAt: l.mono, receivedAt: l.mono });
    // [T + 1, T + 2] touches [T, T + 1] at T + 1.
    expect(l.clock.learn({ time: T + 1, resolution: 1, sentAt: l.mono, receivedAt: l.mono })).toBe(true);
    expect(l.clock.earliest()).toBe(T + 1);
    expect(l.clock.now()).toBe(T + 1);
  });

  it('wallAt: the wall-clock time at which the late end reaches a server time, at 100 ppm', () => {
    const l = local();
    l.clock.learn({ time: T, resolution: 1, sentAt: l.mono, receivedAt: l.mono });
    const wall = l.clock.wall();
    const late = l.clock.now();
    expect(l.clock.wallAt(late + 1_000_000)).toBe(wall + 1_000_000 / (1 + D));
    expect(l.clock.wallAt(late - 1_000)).toBe(wall - 1_000 / (1 + D));
  });

  it('generation: moves on each learned sample, each wall reading below the last, each growth of the wall clock’s lag', () => {
    const l = local();
    const g0 = l.clock.generation;
    l.clock.learn({ time: T, resolution: 1000, sentAt: l.mono, receivedAt: l.mono });
    const g1 = l.clock.generation;
    expect(g1).not.toBe(g0);
    l.pass(1_000);
    l.clock.now();
    expect(l.clock.generation).toBe(g1);
    l.stepWall(-5);
    l.clock.wall();
    const g2 = l.clock.generation;
    expect(g2).not.toBe(g1);
    // Lag: the wall clock fell 5 ms behind, which wall() saw; now() sees the lag itself.
    l.pass(100);
    l.clock.now();
    const g3 = l.clock.generation;
    expect(g3).not.toBe(g2);
    // Up to 1 ms of further lag is tolerated (clocks read a moment apart); 2 ms is not.
    l.pass(10);
    l.stepWall(-1);
    l.clock.now();
    expect(l.clock.generation).toBe(g3);
    l.pass(10);
    l.stepWall(-2);
    l.clock.now();
    expect(l.clock.generation).not.toBe(g3);
  });

  describe('a clock step: one outlier is set aside, a second that agrees with it (allowing drift) starts over', () => {
    // Bounds [T, T + 1 s]; 10 s later an answer a minute ahead; 1 000 s after that the second.
    function stepped() {
      const l = local();
      l.clock.learn({ time: T, resolution: 1000, sentAt: l.mono, receivedAt: l.mono });
      l.pass(10_000);
      expect(l.clock.learn({ time: T + 70_000, resolution: 1000, sentAt: l.mono, receivedAt: l.mono })).toBe(false);
      expect(l.clock.now()).toBe(T + 1000 + 10_000 * (1 + D));
      l.pass(1_000_000);
      // The first outlier's bounds by now: [T + 70 s + 1 000 s × (1 − D), T + 71 s + 1 000 s × (1 + D)].
      return { l, low: T + 70_000 + 1_000_000 * (1 - D), high: T + 71_000 + 1_000_000 * (1 + D) };
    }

    it('the second answer starts the bounds over, intersected with the first outlier aged by drift (its low end wins)', () => {
      const { l, low } = stepped();
      // A reading 400 ms under the outlier's aged low end: [low - 400, low + 600].
      expect(l.clock.learn({ time: low - 400, resolution: 1000, sentAt: l.mono, receivedAt: l.mono })).toBe(true);
      expect(l.clock.earliest()).toBe(low);
      expect(l.clock.now()).toBe(low - 400 + 1000);
      expect(l.clock.samples).toBe(2);
    });

    it('... (its high end wins)', () => {
      const { l, high } = stepped();
      expect(l.clock.learn({ time: high - 600, resolution: 1000, sentAt: l.mono, receivedAt: l.mono })).toBe(true);
      expect(l.clock.earliest()).toBe(high - 600);
      expect(l.clock.now()).toBe(high);
    });

    it('an answer whose low end is exactly the outlier’s aged high end agrees; a ms past it does not', () => {
      const touching = stepped();
      expect(touching.l.clock.learn({ time: touching.high, resolution: 1000, sentAt: touching.l.mono, receivedAt: touching.l.mono })).toBe(true);
      const past = stepped();
      expect(past.l.clock.learn({ time: past.high + 1, resolution: 1000, sentAt: past.l.mono, receivedAt: past.l.mono })).toBe(false);
    });

    it('an answer whose high end is exactly the outlier’s aged low end agrees; a ms before it does not', () => {
      const touching = stepped();
      expect(touching.l.clock.learn({ time: touching.low - 1000, resolution: 1000, sentAt: touching.l.mono, receivedAt: touching.l.mono })).toBe(true);
      const before = stepped();
      expect(before.l.clock.learn({ time: before.low - 1001, resolution: 1000, sentAt: before.l.mono, receivedAt: before.l.mono })).toBe(false);
    });
  });
});

describe('systemClock', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('monotonic time is performance.now() where there is one, else Date.now()', () => {
    expect(Math.abs((systemClock.monotonic?.() as number) - performance.now())).toBeLessThan(1_000);
    vi.stubGlobal('performance', undefined);
    expect(Math.abs((systemClock.monotonic?.() as number) - Date.now())).toBeLessThan(1_000);
  });
});
