/** The endpoints whose requests are counted. */
export type CountedEndpoint = 'sign-in' | 'session-token' | 'session-end' | 'oauth-token';

export interface StatsSnapshot {
  total: number;
  byEndpoint: Partial<Record<CountedEndpoint, number>>;
  /** Session id (cookie sessions) or refresh-token family id (OAuth) -> requests. */
  bySession: Record<string, number>;
  /** Template name -> session-token requests (`default` for the unnamed endpoint). */
  byTemplate: Record<string, number>;
}

/**
 * Request counters, taken as requests arrive: a request that is then faulted, refused or dropped
 * still counts, because "how many requests did the client send" is what tests assert on.
 */
export class RequestStats {
  #total = 0;
  #byEndpoint = new Map<CountedEndpoint, number>();
  #bySession = new Map<string, number>();
  #byTemplate = new Map<string, number>();

  record(endpoint: CountedEndpoint, labels: { session?: string | undefined; template?: string | undefined } = {}): void {
    this.#total += 1;
    bump(this.#byEndpoint, endpoint);
    if (labels.session !== undefined) bump(this.#bySession, labels.session);
    if (labels.template !== undefined) bump(this.#byTemplate, labels.template);
  }

  /** Attributes an already recorded request to a session once its body revealed which (OAuth). */
  attribute(session: string): void {
    bump(this.#bySession, session);
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.#total,
      byEndpoint: Object.fromEntries(this.#byEndpoint),
      bySession: Object.fromEntries(this.#bySession),
      byTemplate: Object.fromEntries(this.#byTemplate),
    };
  }

  reset(): void {
    this.#total = 0;
    this.#byEndpoint.clear();
    this.#bySession.clear();
    this.#byTemplate.clear();
  }
}

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
