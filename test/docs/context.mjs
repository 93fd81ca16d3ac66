// The app a running sample lives in (the values behind types/app.d.ts), preloaded with
// `node --import` in the consumer project, so `tokenwarden` is the packed package.
//
// - A real session on the real devserver (DOCS_DEVSERVER_URL): `fetchToken`, `client`, `sessionId`.
//   Samples written for the devserver's documented address, http://127.0.0.1:4010, reach the
//   test's devserver (on a free port) instead: that one rewrite is the only change to their fetches.
// - A real API (DOCS_API_URL, `apiUrl`) that accepts the devserver's JWTs — except the very first
//   token it is shown, which it refuses with 401, so a sample's "retry once after a 401" runs too.
// - A real redis-server (REDIS_URL, set by the test).
// - The app's reactions: the signed-out and offline paths throw, since the sample runs signed in
//   and online; taking one is a broken sample.
import { createTokenClient, httpTokenSource } from 'tokenwarden';

const devserver = process.env.DOCS_DEVSERVER_URL;
if (!devserver || !process.env.DOCS_API_URL) throw new Error('context.mjs runs inside test/docs/samples.test.ts');

const DOCUMENTED = 'http://127.0.0.1:4010';
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => realFetch(typeof input === 'string' && input.startsWith(DOCUMENTED) ? devserver + input.slice(DOCUMENTED.length) : input, init);

const signIn = await realFetch(`${devserver}/v1/client/sign_in`, { method: 'POST' });
const { session_id: sessionId, user_id: userId } = await signIn.json();
const cookie = signIn.headers.getSetCookie()[0].split(';')[0];

const wrongPath = (what) => () => {
  throw new Error(`the sample took the ${what} path, but it runs signed in and online`);
};

const fetchToken = httpTokenSource({ baseUrl: devserver, sessionId, headers: { cookie } });
const store = new Map();

Object.assign(globalThis, {
  fetchToken,
  client: createTokenClient({ fetchToken }),
  sessionId,
  session: { id: sessionId, userId },
  clientId: 'docs-app',
  refreshToken: 'rt_not_used_by_running_samples',
  initialRefreshToken: 'rt_not_used_by_running_samples',
  tokenEndpoint: `${devserver}/oauth/token`,
  issuer: devserver,
  localStorageStore: (key) => ({ get: () => store.get(key) ?? null, set: (value) => void store.set(key, value) }),
  tenantId: 'acme',
  apiUrl: process.env.DOCS_API_URL,
  project: { id: 'p1', name: 'Docs' },
  note: { title: 'A note', text: 'written by a doc sample' },
  render: () => {},
  save: async () => {},
  saveForLater: wrongPath('offline'),
  makeClient: () => createTokenClient({ fetchToken }),
  report: (error) => {
    throw error;
  },
  reportMisconfiguredIssuer: wrongPath('invalid-token'),
  scheduleRetry: () => {},
  metrics: { increment: () => {} },
  router: { push: () => {} },
  callApi: async () => undefined,
  redirectToSignIn: wrongPath('signed-out'),
  signIn: wrongPath('signed-out'),
  showSignIn: wrongPath('signed-out'),
  showOfflineBanner: wrongPath('offline'),
  auth: { getToken: async () => null },
});
