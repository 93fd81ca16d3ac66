import type { ReadResult } from './timedRead';

export interface CounterValues {
  /** Token requests this page sent (every attempt, retries included). */
  requests: number;
  /** Token requests that failed (the engine's `fetch-error` events). */
  failedRequests: number;
  /** `getToken()` calls made by the page. */
  reads: number;
  /** Calls answered from the cache. */
  cacheHits: number;
  /** Calls that rejected (`OfflineError`, `TokenFetchError`, ...). */
  rejectedReads: number;
  /** What the counters panel calls "errors": failed requests plus rejected calls. */
  errors: number;
}

/** The page's tallies; one instance per signed-in session. */
export class DemoCounters {
  #requests = 0;
  #failedRequests = 0;
  #reads = 0;
  #cacheHits = 0;
  #rejectedReads = 0;

  countRequest(): void {
    this.#requests++;
  }

  countFailedRequest(): void {
    this.#failedRequests++;
  }

  countRead(result: ReadResult): void {
    this.#reads++;
    if (result.outcome === 'token' && result.cacheHit) this.#cacheHits++;
    if (result.outcome === 'error') this.#rejectedReads++;
  }

  values(): CounterValues {
    return {
      requests: this.#requests,
      failedRequests: this.#failedRequests,
      reads: this.#reads,
      cacheHits: this.#cacheHits,
      rejectedReads: this.#rejectedReads,
      errors: this.#failedRequests + this.#rejectedReads,
    };
  }
}

/** How the server's count for the session relates to this tab's: the same, more, or not yet. */
export type CountGap = 'same' | 'more' | 'behind';

/**
 * The line under "Requests made": the devserver's count of token requests for this session, and
 * why it may differ from this tab's. It counts every tab of the session, and every request that
 * reached it, including the ones Chromium sends again by itself when a kept-alive connection is
 * cut before any answer (the "server unreachable" fault drops connections): the page's `fetch`
 * ran once, the server saw two requests.
 */
export function serverCountNote(page: number, server: number | undefined): { text: string; gap: CountGap | undefined } {
  if (server === undefined) return { text: 'token requests from this tab', gap: undefined };
  if (server === page) return { text: `server counted ${server} for this session, the same`, gap: 'same' };
  if (server > page) {
    return {
      text: `server counted ${server} for this session: ${server - page} more from other tabs or resent by the browser after a dropped connection`,
      gap: 'more',
    };
  }
  return { text: `server counted ${server} so far (read once a second)`, gap: 'behind' };
}
