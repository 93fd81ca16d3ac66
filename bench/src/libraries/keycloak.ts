import type { DrivenLibrary } from './library';
import { packageVersion } from './packageVersion';

/**
 * keycloak-js with `updateToken(5)` before each use, its documented pattern. Initialised with
 * tokens from a password grant (`init({ token, refreshToken, idToken })`, a documented init path),
 * login iframe off (it needs a real page).
 */
export const keycloak: DrivenLibrary = {
  kind: 'driven',
  server: 'peer',
  id: 'keycloak',
  name: 'keycloak-js',
  pkg: packageVersion('keycloak-js'),
  call: 'await kc.updateToken(5); kc.token',
  setup: 'init({ token, refreshToken, idToken, checkLoginIframe: false }); minValidity 5 s (its default)',
  async open(env, ttl) {
    const { default: Keycloak } = await import('keycloak-js');
    const server = await env.peerServer(ttl);
    const grant = await globalThis.fetch(`${server.url}/realms/bench/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', username: 'bench', password: 'bench', client_id: 'bench-client' }),
    });
    const tokens = (await grant.json()) as { access_token: string; refresh_token: string; id_token: string };
    const kc = new Keycloak({ url: server.url, realm: 'bench', clientId: 'bench-client' });
    await kc.init({ token: tokens.access_token, refreshToken: tokens.refresh_token, idToken: tokens.id_token, checkLoginIframe: false });
    return {
      async getToken() {
        await kc.updateToken(5);
        return kc.token ?? null;
      },
      async close() {
        kc.onTokenExpired = undefined;
      },
      // -1: its documented forced refresh.
      refresh: () => kc.updateToken(-1),
      // `timeSkew` is `device − server` in whole seconds (null until a token it fetched arrives).
      learnedClockOffset: () => (typeof kc.timeSkew === 'number' ? { estimate: -kc.timeSkew * 1000 } : undefined),
    };
  },
};
