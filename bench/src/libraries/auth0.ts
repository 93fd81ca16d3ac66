import type { DrivenLibrary } from './library';
import { packageVersion } from './packageVersion';

/**
 * Auth0's SPA SDK with refresh tokens in memory (its recommended setup for SPAs that must survive
 * third-party-cookie blocking). Signed in through the real authorization-code + PKCE redirect flow
 * against the local OAuth server.
 */
export const auth0: DrivenLibrary = {
  kind: 'driven',
  server: 'peer',
  id: 'auth0',
  name: 'Auth0',
  pkg: packageVersion('@auth0/auth0-spa-js'),
  call: 'await auth0.getTokenSilently()',
  setup: 'useRefreshTokens: true, cacheLocation: memory; no Web Worker (none in Node); Web Locks stand-in',
  async open(env, ttl) {
    const { Auth0Client } = await import('@auth0/auth0-spa-js');
    const server = await env.peerServer(ttl);
    const client = new Auth0Client({
      domain: server.url,
      clientId: 'bench-client',
      cacheLocation: 'memory',
      useRefreshTokens: true,
      authorizationParams: { redirect_uri: 'http://127.0.0.1/callback' },
    });
    let authorizeUrl = '';
    await client.loginWithRedirect({
      openUrl: async (url) => {
        authorizeUrl = url;
      },
    });
    // The "browser" follows the redirect to the authorization server and straight back.
    const answer = await globalThis.fetch(authorizeUrl, { redirect: 'manual' });
    const callback = answer.headers.get('location');
    if (!callback) throw new Error(`auth0: /authorize answered ${answer.status} without a redirect`);
    await client.handleRedirectCallback(callback);
    return {
      getToken: () => client.getTokenSilently(),
      close: async () => undefined,
    };
  },
};
