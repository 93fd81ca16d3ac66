/**
 * The `fetch` the token source uses: counts every token request the page sends, and refuses them
 * while the page simulates being offline, the way a browser without network would (TypeError).
 */
export function countingFetch(options: {
  onRequest(): void;
  isBlocked(): boolean;
  fetch?: typeof globalThis.fetch;
}): typeof globalThis.fetch {
  return (input, init) => {
    if (options.isBlocked()) return Promise.reject(new TypeError('Failed to fetch (simulated offline)'));
    options.onRequest();
    return (options.fetch ?? globalThis.fetch)(input, init);
  };
}
