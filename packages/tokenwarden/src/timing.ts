/** Seconds below which a token is never handed out. @default 5 */
export const DEFAULT_MIN_VALIDITY = 5;
/** Per-attempt timeout, ms. @default 10000 */
export const DEFAULT_REQUEST_TIMEOUT = 10_000;
/** Longest lifetime a token delivered by another participant may claim, s. @default 86400 */
export const DEFAULT_MAX_TOKEN_LIFETIME = 86_400;
/** How long a caller with no usable token keeps retrying before an error, ms. @default 10000 */
export const DEFAULT_FOREGROUND_BUDGET = 10_000;

/**
 * Seconds before `exp` at which the proactive refresh fires: 10 % of the lifetime, at least 17 s
 * (so a 60 s token refreshes at 43 s, as Clerk's does), at most half the lifetime (so short tokens
 * still live half their life before a refresh): 60 s -> 17, 300 s -> 30, 3600 s -> 360, 10 s -> 5.
 *
 * @example
 * // Refresh a little earlier than the default, never less than 30 s ahead.
 * createTokenClient({ fetchToken, refreshMargin: (ttl) => Math.max(30, defaultRefreshMargin(ttl)) });
 */
export function defaultRefreshMargin(ttlSeconds: number): number {
  return Math.min(Math.max(17, 0.1 * ttlSeconds), 0.5 * ttlSeconds);
}
