/** What each tab of the cross-tab test page records; read by the test through `window.crossTab`. */

export interface TokenSeen {
  jti: string;
  iat: number;
  exp: number;
  origin: 'fetch' | 'coordinator';
  /** Local wall time (ms) at which this tab accepted it. */
  at: number;
}

export interface CrossTabState {
  ready: boolean;
  reads: number;
  nullReads: number;
  errors: string[];
  /**
   * `fetch-start` events by reason. `refresh` is a background refresh while the token is still
   * served; `expired` or `cold` means a read found no servable token and had to wait for one.
   */
  fetchStarts: Record<string, number>;
  /** Longest a single `getToken()` took, ms. */
  maxReadMs: number;
  /** Least validity (ms, by the local clock) left on any token a read returned. */
  minRemainingMs: number;
  tokens: TokenSeen[];
  /** Token requests this tab has on the wire right now, and in total. */
  requestsInFlight: number;
  requests: number;
  /** Local wall time at which this tab first dropped its tokens (`cleared` or `signed-out`). */
  signedOutAt: number | null;
  /** `coordinator-degraded` events (should stay empty in Chromium). */
  degraded: string[];
}

export interface CrossTabApi {
  state: CrossTabState;
  /** Zeroes the read statistics, so a measurement window starts clean. */
  resetReadStats(): void;
  /** Ends the session at the server, then `clear()`: resolves with the wall time the sign-out began. */
  signOut(): Promise<number>;
  peek(): string | null;
}

declare global {
  interface Window {
    crossTab?: CrossTabApi;
  }
}
