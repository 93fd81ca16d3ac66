/**
 * The `fetch` the token source uses: counts every token request the page sends, tells whether the
 * server answered it (any status) or the connection failed, and refuses requests while the page
 * simulates being offline, the way a browser without network would (TypeError).
 */
export function countingFetch(options: {
  onRequest(): void;
  /** `true` once a response arrived, `false` when the request failed without one (not for aborts). */
  onSettled?(answered: boolean): void;
  isBlocked(): boolean;
  fetch?: typeof globalThis.fetch;
}): typeof globalThis.fetch {
  return async (input, init) => {
    if (options.isBlocked()) throw new TypeError('Failed to fetch (simulated offline)');
    options.onRequest();
    try {
      const response = await (options.fetch ?? globalThis.fetch)(input, init);
      options.onSettled?.(true);
      return response;
    } catch (error) {
      if (!init?.signal?.aborted) options.onSettled?.(false);
      throw error;
    }
  };
}
