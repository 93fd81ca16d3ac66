import type { DrivenLibrary } from './library';
import { packageVersion } from './packageVersion';

/**
 * oidc-client-ts's `UserManager` with automatic silent renew through the refresh token. Signed in
 * with the password grant (the redirect flow needs a real page navigation; renewal, which is what
 * is measured, is the same either way). `getUser()` never refreshes, so the get-token call is the
 * documented pattern: the stored user if unexpired, else `signinSilent()`.
 */
export const oidcClient: DrivenLibrary = {
  kind: 'driven',
  server: 'peer',
  id: 'oidc',
  name: 'oidc-client-ts',
  pkg: packageVersion('oidc-client-ts'),
  call: 'u = await mgr.getUser(); u && !u.expired ? u.access_token : (await mgr.signinSilent()).access_token',
  setup: 'automaticSilentRenew; accessTokenExpiringNotificationTimeInSeconds: 17 (its knob, set like tokenwarden\'s margin); in-memory stores',
  async open(env, ttl) {
    const { UserManager, WebStorageStateStore, InMemoryWebStorage } = await import('oidc-client-ts');
    const server = await env.peerServer(ttl);
    const store = new InMemoryWebStorage();
    const mgr = new UserManager({
      authority: server.url,
      client_id: 'bench-client',
      redirect_uri: 'http://127.0.0.1/callback',
      metadata: { issuer: `${server.url}/`, authorization_endpoint: `${server.url}/authorize`, token_endpoint: `${server.url}/oauth/token` },
      userStore: new WebStorageStateStore({ store }),
      stateStore: new WebStorageStateStore({ store }),
      automaticSilentRenew: true,
      accessTokenExpiringNotificationTimeInSeconds: 17,
      monitorSession: false,
      loadUserInfo: false,
    });
    await mgr.signinResourceOwnerCredentials({ username: 'bench', password: 'bench' });
    return {
      async getToken() {
        const user = await mgr.getUser();
        if (user && !user.expired) return user.access_token;
        const renewed = await mgr.signinSilent();
        return renewed?.access_token ?? null;
      },
      async close() {
        mgr.stopSilentRenew();
        mgr.events.unload();
      },
    };
  },
};
