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
