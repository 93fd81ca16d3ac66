// The app a sample marked `browser` runs in (the values behind types/app.d.ts), bundled in front
// of it and loaded by a page whose origin is the app's server (api.ts): relative URLs such as
// '/api/token' and '/api/projects' reach it, and its /api/token mints through the devserver.
// As in context.mjs, the signed-out and offline paths throw: the sample runs signed in and online.
import { useToken } from 'tokenwarden/react';
import { createTokenClient, type FetchToken } from 'tokenwarden';

const wrongPath = (what: string) => () => {
  throw new Error(`the sample took the ${what} path, but it runs signed in and online`);
};

/** The quick start's fetchToken: the app's own endpoint, same origin. */
const fetchToken: FetchToken = async ({ template, organizationId, audience, signal }) => {
  const res = await fetch('/api/token', { method: 'POST', body: JSON.stringify({ template, organizationId, audience }), signal });
  if (res.status === 401) return null;
  if (!res.ok) throw Object.assign(new Error('token endpoint failed'), { status: res.status, headers: res.headers });
  return { token: ((await res.json()) as { jwt: string }).jwt, serverTime: Date.parse(res.headers.get('date') ?? '') };
};

/** The app's root component: shows the default token's status, so rendering it exercises the hooks. */
function App() {
  const { status } = useToken();
  return <p data-status={status}>{status}</p>;
}
const Nothing = () => null;
const store = new Map<string, string>();

Object.assign(globalThis, {
  fetchToken,
  client: createTokenClient({ fetchToken }),
  sessionId: 'sess_of_the_app_backend',
  session: { id: 'sess_of_the_app_backend', userId: 'user_dev' },
  clientId: 'docs-app',
  refreshToken: 'rt_not_used_by_running_samples',
  initialRefreshToken: 'rt_not_used_by_running_samples',
  tokenEndpoint: '/oauth/token',
  issuer: location.origin,
  localStorageStore: (key: string) => ({ get: () => store.get(key) ?? null, set: (value: string | null) => void (value === null ? store.delete(key) : store.set(key, value)) }),
  tenantId: 'acme',
  apiUrl: '/api',
  project: { id: 'p1', name: 'Docs' },
  note: { title: 'A note', text: 'written by a doc sample' },
  render: () => {},
  save: async () => {},
  saveForLater: wrongPath('offline'),
  makeClient: () => createTokenClient({ fetchToken }),
  report: (error: unknown) => {
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
  App,
  Spinner: Nothing,
  SignIn: Nothing,
  OfflineBanner: Nothing,
  ErrorPanel: Nothing,
  ProjectList: Nothing,
  ProfileView: Nothing,
  root: document.getElementById('root'),
});
