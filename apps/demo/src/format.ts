/** Display formatting. Pure, so the page and its tests agree on every string. */

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** Wall-clock time of day in the viewer's zone, `14:03:22.481` (or without ms). */
export function clockTime(ms: number, withMs = true): string {
  const date = new Date(ms);
  const base = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return withMs ? `${base}.${pad(date.getMilliseconds(), 3)}` : base;
}

/** A length of time for people: `850 ms`, `4.2 s`, `3 min 05 s`, `2 h 01 min`. Negative reads as 0. */
export function duration(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(Math.floor(value / 100) / 10).toFixed(1)} s`;
  const seconds = Math.floor(value / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${pad(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${pad(Math.floor(seconds / 60) % 60)} min`;
}

/** A clock difference with its sign: `+2 min 00 s`, `−0.3 s`, `±0 ms`. */
export function signedDuration(ms: number): string {
  const rounded = Math.round(ms);
  if (rounded === 0) return '±0 ms';
  return `${rounded > 0 ? '+' : '−'}${duration(Math.abs(rounded))}`;
}

/**
 * Time a call took, precise enough to show that cache hits cost microseconds: `0.12 ms`, `38 ms`.
 * Browsers coarsen `performance.now()` (100 µs in Chromium without cross-origin isolation), so
 * anything below that reads `< 0.1 ms` rather than a made-up `0.00 ms`.
 */
export function callTime(ms: number): string {
  const value = Math.max(0, ms);
  if (value < 0.1) return '< 0.1 ms';
  if (value < 10) return `${value.toFixed(2)} ms`;
  if (value < 1000) return `${Math.round(value)} ms`;
  return `${(value / 1000).toFixed(2)} s`;
}

/** The engine's bounds on `server - local`, ms (`snapshot().serverOffsetBounds`). */
export interface OffsetBounds {
  low: number;
  high: number;
}

/**
 * The learned clock offset with how sure the engine is of it: `−12 ms ± 40 ms`. The `±` is the
 * larger distance from the estimate to either bound, so the true offset lies within it.
 */
export function offsetEstimate(offset: number, bounds: OffsetBounds | undefined): string {
  if (!bounds || !Number.isFinite(bounds.low) || !Number.isFinite(bounds.high)) return signedDuration(offset);
  const spread = Math.max(0, bounds.high - offset, offset - bounds.low);
  const estimate = Math.round(offset) === 0 ? '0 ms' : signedDuration(offset);
  return `${estimate} ± ${duration(spread)}`;
}
