/**
 * The cross-tab test page: one token client per tab, `httpTokenSource` against the devserver that
 * serves this page (same origin, session cookie), `broadcastCoordinator` between the tabs, and a
 * read loop standing in for an app that needs a token all the time. Query: `sid`, `ns`, `minValidity`.
 */
import { broadcastCoordinator, createTokenClient } from '../../../packages/tokenwarden/src/index';
import { httpTokenSource } from '../../../packages/tokenwarden/src/sources/index';
import type { CrossTabApi, CrossTabState } from './state';

const params = new URLSearchParams(location.search);
const sessionId = params.get('sid') ?? '';
const namespace = params.get('ns') ?? 'cross-tab';
const minValidity = Number(params.get('minValidity') ?? '5');
/** Pause between reads, ms: an app polling its API. */
const READ_EVERY = 100;

const state: CrossTabState = {
  ready: false,
  reads: 0,
  nullReads: 0,
  errors: [],
  fetchStarts: {},
  maxReadMs: 0,
  minRemainingMs: Number.POSITIVE_INFINITY,
  tokens: [],
  requestsInFlight: 0,
  requests: 0,
  signedOutAt: null,
  degraded: [],
};

const countingFetch: typeof fetch = (input, init) => {
  state.requests++;
  state.requestsInFlight++;
  return fetch(input, init).finally(() => {
    state.requestsInFlight--;
  });
};

const client = createTokenClient({
  fetchToken: httpTokenSource({ baseUrl: location.origin, sessionId, fetch: countingFetch, credentials: 'same-origin' }),
  minValidity,
  coordinator: broadcastCoordinator({ namespace, sessionId }),
});

let reading = true;
client.subscribe((event) => {
  if (event.type === 'fetch-start') {
    state.fetchStarts[event.reason] = (state.fetchStarts[event.reason] ?? 0) + 1;
  } else if (event.type === 'token') {
    const { jti, iat, exp } = event.claims as { jti: string; iat: number; exp: number };
    state.tokens.push({ jti, iat, exp, origin: event.origin, at: Date.now() });
  } else if (event.type === 'signed-out' || event.type === 'cleared') {
    // The tab that calls clear() hears only `cleared`; the others hear `cleared` (remote) and `signed-out`.
    state.signedOutAt ??= Date.now();
    reading = false;
  } else if (event.type === 'coordinator-degraded') {
    state.degraded.push(String(event.error));
  }
});

function expOf(token: string): number {
  const payload = token.split('.')[1] ?? '';
  return (JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp: number }).exp;
}

async function readLoop(): Promise<void> {
  while (reading) {
    const started = performance.now();
    try {
      const token = await client.getToken();
      state.reads++;
      if (token === null) state.nullReads++;
      else state.minRemainingMs = Math.min(state.minRemainingMs, expOf(token) * 1000 - Date.now());
    } catch (error) {
      // Error names and messages only: tokenwarden never puts a token in either.
      state.errors.push(`${(error as Error).name}: ${(error as Error).message}`);
    }
    state.maxReadMs = Math.max(state.maxReadMs, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, READ_EVERY));
  }
}

const api: CrossTabApi = {
  state,
  resetReadStats() {
    state.reads = 0;
    state.nullReads = 0;
    state.fetchStarts = {};
    state.maxReadMs = 0;
    state.minRemainingMs = Number.POSITIVE_INFINITY;
  },
  async signOut() {
    const began = Date.now();
    // The server first, so no tab can mint a token of this session after the others dropped theirs.
    await fetch(`/v1/client/sessions/${encodeURIComponent(sessionId)}/end`, { method: 'POST', credentials: 'same-origin' });
    client.clear();
    return began;
  },
  peek: () => client.peekToken(),
};
window.crossTab = api;
state.ready = true;
void readLoop();
