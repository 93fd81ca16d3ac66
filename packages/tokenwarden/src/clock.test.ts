import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ServerClock, resolutionOf } from './clock';

/** A local clock the test moves, and a server whose clock is `offset` ms away from it. */
function world(offset: number, start = 1_767_268_800_000) {
  let local = start;
  const clock = new ServerClock({ now: () => local, monotonic: () => local });
  return {
    clock,
    get local() {
      return local;
    },
    advance(ms: number) {
      local += ms;
    },
    serverNow: () => local + offset,
    /**
     * One token fetch: sent now, answered after `trip` ms; the server reads its clock `readAt` ms
     * into the trip and floors it to whole seconds (a `Date` header), and the answer may wait
     * `clientDelay` ms in the client before it is read.
     */
    fetch(trip: number, readAt: number, clientDelay = 0) {
      const sentAt = local;
      local += readAt;
      const reading = Math.floor((local + offset) / 1000) * 1000;
      local += trip - readAt + clientDelay;
      return clock.learn({ time: reading, resolution: resolutionOf(reading), sentAt, receivedAt: local });
    },
  };
}

describe('ServerClock: bounds on the server clock from whole-second readings', () => {
  it.each([-300_000, -90_000, 0, 45_500, 600_000])('after 10 fetches with 20-60 ms round trips the estimate is within 100 ms (offset %i ms)', (offset) => {
    const w = world(offset);
    // Fetches land at unrelated sub-second phases, as refreshes of real tokens do.
    const phases = [0, 130, 270, 410, 530, 660, 790, 880, 950, 70];
    const trips = [20, 35, 60, 25, 48, 33, 57, 41, 22, 52];
    for (let i = 0; i < 10; i++) {
      w.advance(7_000 + (phases[i] as number));
      const trip = trips[i] as number;
      w.fetch(trip, trip / 2);
    }
    const { low, high } = w.clock.offsetBounds;
    expect(low).toBeLessThanOrEqual(offset);
    expect(high).toBeGreaterThanOrEqual(offset);
    expect(Math.abs(w.clock.offset - offset)).toBeLessThan(100);
    expect(w.clock.samples).toBe(10);
  });

  it('one sample: bounds a second and a round trip wide, and the truth inside them', () => {
    const w = world(-123_456);
    w.fetch(40, 10);
    const { low, high } = w.clock.offsetBounds;
    expect(high - low).toBeGreaterThan(1_000);
    expect(high - low).toBeLessThan(1_100);
    expect(low).toBeLessThanOrEqual(-123_456);
    expect(high).toBeGreaterThanOrEqual(-123_456);
  });

  it('an answer that waits 600 ms in the client widens the bounds instead of erring the unsafe way', () => {
    const w = world(0);
    w.fetch(20, 10, 600);
    // The midpoint rule would put the server 300 ms behind; the late end never is.
    expect(w.clock.now()).toBeGreaterThanOrEqual(w.serverNow());
    expect(w.clock.earliest()).toBeLessThanOrEqual(w.serverNow());
  });

  it('one contradicting answer is set aside; a second that agrees is a clock step', () => {
    const w = world(0);
    for (let i = 0; i < 3; i++) {
      w.advance(5_300);
      w.fetch(30, 15);
    }
    const before = w.clock.offset;
    // An answer one hour ahead (a skewed issuer node, or a server clock step).
    const ahead = world(3_600_000, w.local);
    const sample = { time: Math.floor(ahead.serverNow() / 1000) * 1000, resolution: 1000, sentAt: w.local - 30, receivedAt: w.local };
    expect(w.clock.learn(sample)).toBe(false);
    expect(w.clock.offset).toBe(before);
    w.advance(2_000);
    const second = { time: Math.floor((w.local + 3_600_000) / 1000) * 1000, resolution: 1000, sentAt: w.local - 30, receivedAt: w.local };
    expect(w.clock.learn(second)).toBe(true);
    expect(Math.abs(w.clock.offset - 3_600_000)).toBeLessThan(1_100);
  });

  it('property: whatever the offset, round trips and phases, the true server time stays within the bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -900_000, max: 900_000 }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 60_000 }), trip: fc.integer({ min: 0, max: 2_000 }), at: fc.double({ min: 0, max: 1, noNaN: true }), delay: fc.integer({ min: 0, max: 1_000 }) }), { minLength: 1, maxLength: 30 }),
        (offset, fetches) => {
          const w = world(offset);
          for (const { gap, trip, at, delay } of fetches) {
            w.advance(gap);
            w.fetch(trip, Math.floor(trip * at), delay);
            expect(w.clock.earliest()).toBeLessThanOrEqual(w.serverNow());
            expect(w.clock.now()).toBeGreaterThanOrEqual(w.serverNow());
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a local wall clock stepped back cannot make the server clock go back (monotonic elapsed wins)', () => {
    let wall = 1_767_268_800_000;
    let mono = 0;
    const clock = new ServerClock({ now: () => wall, monotonic: () => mono });
    clock.learn({ time: wall, resolution: 1, sentAt: 0, receivedAt: 0 });
    const before = clock.now();
    wall -= 600_000;
    mono += 1_000;
    expect(clock.now()).toBeGreaterThanOrEqual(before + 1_000);
  });

  it('resolution: whole seconds for a whole-second reading, else 1 ms', () => {
    expect(resolutionOf(1_767_268_800_000)).toBe(1000);
    expect(resolutionOf(1_767_268_800_123)).toBe(1);
  });
});
