/**
 * The test page of `tabs.oidc.test.ts`, served by the oidc-provider harness (same origin as its
 * token endpoint): one token client per tab, `oauth2RefreshSource` with the refresh token in
 * `localStorageStore` (rotations under a Web Lock), `broadcastCoordinator` between tabs, and a
 * read loop. Started by `window.tabs.start()` once the test has seeded the refresh token.
 */
import { broadcastCoordinator, createTokenClient } from '../../../src/index';
import { localStorageStore, oauth2RefreshSource } from '../../../src/sources/index';

export interface TabState {
  reads: number;
  nulls: number;
  errors: string[];
  /** Access tokens this tab was handed, in order, and where from. */
  tokens: { origin: 'fetch' | 'coordinator'; at: number }[];
  distinct: number;
  requestsInFlight: number;
}

declare global {
  interface Window {
    tabs?: { state: TabState; start(audience: string): void };
  }
}

const state: TabState = { reads: 0, nulls: 0, errors: [], tokens: [], distinct: 0, requestsInFlight: 0 };
const seen = new Set<string>();

const countingFetch: typeof fetch = (input, init) => {
  state.requestsInFlight++;
  return fetch(input, init).finally(() => state.requestsInFlight--);
};

function start(audience: string): void {
  const client = createTokenClient({
    fetchToken: oauth2RefreshSource({ issuer: location.origin, clientId: 'spa', store: localStorageStore('tabs'), fetch: countingFetch }),
    minValidity: 2,
    coordinator: broadcastCoordinator({ namespace: 'oidc-tabs' }),
  });
  client.subscribe((event) => {
    if (event.type === 'token') state.tokens.push({ origin: event.origin, at: Date.now() });
  });
  const loop = async () => {
    for (;;) {
      try {
        const token = await client.getToken({ audience });
        if (token === null) state.nulls++;
        else if (!seen.has(token)) {
          seen.add(token);
          state.distinct = seen.size;
        }
      } catch (error) {
        state.errors.push(`${(error as Error).name}: ${(error as Error).message}`);
      }
      state.reads++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  void loop();
}

window.tabs = { state, start };
