import type { TokenEntrySnapshot } from 'tokenwarden';

/**
 * Where a key's token is in its life, by the engine's own rules:
 * - `fresh`: served from cache, no refresh yet;
 * - `refresh-due`: past the planned refresh, still served while one refresh runs in the background;
 * - `cutoff`: under `minValidity`; never served, callers wait for a new token;
 * - `expired`: past `exp`;
 * - `none`: no token yet (or the cache was cleared).
 */
export type TokenPhase = 'none' | 'fresh' | 'refresh-due' | 'cutoff' | 'expired';

/** One bar of the timeline: `iat` at 0 %, `exp` at 100 %, on the server-corrected clock. */
export interface TimelineBar {
  phase: TokenPhase;
  refreshing: boolean;
  /** ms on the server-corrected clock. */
  issuedAt: number;
  refreshAt: number;
  cutoffAt: number;
  expiresAt: number;
  /** Positions along the bar, 0..100. */
  refreshPct: number;
  cutoffPct: number;
  nowPct: number;
  /** ms from now; negative once passed. */
  untilRefresh: number;
  untilCutoff: number;
  untilExpiry: number;
}

const clampPct = (value: number): number => Math.min(100, Math.max(0, value));

/** The bar for a snapshot entry at `now` (server-corrected ms), or undefined without a token. */
export function timelineBar(entry: TokenEntrySnapshot | undefined, now: number): TimelineBar | undefined {
  // Engines that keep one record per token give `issuedAt`; older ones only the JWT's `iat`.
  const issuedAt = (entry as { issuedAt?: number } | undefined)?.issuedAt ?? (entry?.claims?.iat === undefined ? undefined : entry.claims.iat * 1000);
  if (!entry || issuedAt === undefined || entry.expiresAt === undefined || entry.refreshAt === undefined || entry.cutoffAt === undefined) {
    return undefined;
  }
  const { expiresAt, refreshAt, cutoffAt } = entry;
  const span = Math.max(1, expiresAt - issuedAt);
  const at = (time: number): number => clampPct(((time - issuedAt) / span) * 100);
  return {
    phase: phaseAt(now, refreshAt, cutoffAt, expiresAt),
    refreshing: entry.refreshing,
    issuedAt,
    refreshAt,
    cutoffAt,
    expiresAt,
    refreshPct: at(refreshAt),
    cutoffPct: at(cutoffAt),
    nowPct: at(now),
    untilRefresh: refreshAt - now,
    untilCutoff: cutoffAt - now,
    untilExpiry: expiresAt - now,
  };
}

function phaseAt(now: number, refreshAt: number, cutoffAt: number, expiresAt: number): TokenPhase {
  if (now >= expiresAt) return 'expired';
  if (now >= cutoffAt) return 'cutoff';
  if (now >= refreshAt) return 'refresh-due';
  return 'fresh';
}

/** One line a person reads at a glance: what state the token is in and what happens next. */
export function describeBar(bar: TimelineBar | undefined): string {
  if (!bar) return 'no token';
  const seconds = (ms: number): string => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;
  switch (bar.phase) {
    case 'fresh':
      return `valid · ${seconds(bar.untilExpiry)} left · refresh in ${seconds(bar.untilRefresh)}`;
    case 'refresh-due':
      return `valid · ${seconds(bar.untilExpiry)} left · ${bar.refreshing ? 'refreshing' : 'refresh due'}`;
    case 'cutoff':
      return `past cutoff · not served · expires in ${seconds(bar.untilExpiry)}${bar.refreshing ? ' · refreshing' : ''}`;
    case 'expired':
      return `expired${bar.refreshing ? ' · refreshing' : ''}`;
    default:
      return 'no token';
  }
}
