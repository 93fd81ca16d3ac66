import type { Latency } from './network';

/**
 * A seeded uniform generator on [0, 1) (Marsaglia's xorshift32): a scenario that draws its
 * conditions (clock phases, round trips, gaps) from one seed gives every library the same ones.
 */
export function seededRandom(seed: number): () => number {
  // Mix the seed first (MurmurHash3's 32-bit finalizer): xorshift's first outputs from nearby
  // seeds are nearly alike, and a scenario seeds one generator per session.
  let state = seed >>> 0;
  state = Math.imul(state ^ (state >>> 16), 0x85ebca6b);
  state = Math.imul(state ^ (state >>> 13), 0xc2b2ae35);
  state = (state ^ (state >>> 16)) >>> 0 || 0x2545f491;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
}

/** A whole number in [min, max], both included. */
export function uniformInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * A round trip of `minMs`..`maxMs` whole ms, split at random between the way to the server and the
 * way back (a client cannot tell the two apart, so no split is favoured).
 */
export function roundTrip(random: () => number, minMs: number, maxMs: number): Latency {
  const total = uniformInt(random, minMs, maxMs);
  const toServer = uniformInt(random, 0, total);
  return { toServer, toClient: total - toServer };
}
