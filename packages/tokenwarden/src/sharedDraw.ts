/**
 * A fraction in [0, 1) drawn from a key and its token: every participant that holds the same token
 * (the tabs of a browser, the instances of a fleet) draws the same fraction, and different tokens
 * draw fractions spread evenly over [0, 1).
 *
 * The cache places a wave of first tokens' refresh points with it. Drawn independently by each
 * participant, the earliest of N draws would refresh the key for all of them: the minimum of N
 * uniform draws falls in the first 1/N of the range about two times in three, so a fleet of 8 would
 * refresh half its keys in the first 8 % of the spread, and the wave would come back every cycle.
 * Drawn from the token, the whole fleet refreshes each key at the same point, spread as for one.
 */
export function sharedDraw(id: string, token: string): number {
  // FNV-1a over the key and the token, then a final mix (MurmurHash3's fmix32): tokens of one
  // issuer differ mostly in their last characters (the signature), which FNV alone spreads poorly
  // into the high bits.
  // A key id is JSON (keys.ts), which never holds a raw line feed: the pair cannot run together.
  const text = `${id}\n${token}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) / 0x1_0000_0000;
}
