import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidTokenError, TokenFetchError } from '../../src/errors';
import { decodeJwt } from '../../src/jwt';
import {
  clientCredentialsSource,
  clientSecretBasic,
  clientSecretPost,
  memoryStore,
  oauth2RefreshSource,
  oauthErrorOf,
  privateKeyJwt,
} from '../../src/sources/index';
import type { FetchTokenContext, FetchTokenResult } from '../../src/types';
import { authorize } from './authorize';
import { type ClientKeys, clientKeys } from './clientKeys';
import { JWT_RESOURCE, type OidcServer, SECRETS, startOidcServer } from './oidcServer';

/**
 * The sources called directly (no client engine) against a real oidc-provider over loopback HTTP:
 * what they send is what a certified server accepts, and what it answers they read correctly.
 */

let server: OidcServer;
let keys: ClientKeys;
const ctx = (key: Partial<FetchTokenContext> = {}): FetchTokenContext => ({ signal: new AbortController().signal, ...key });

function answer(result: FetchTokenResult): { token: string; expiresIn?: number | undefined; serverTime?: number | undefined } {
  if (result === null || typeof result === 'string') throw new Error(`expected { token, expiresIn }, got ${typeof result}`);
  return result;
}

/** Everything an error exposes to a logger: message, cause chain, own properties, inspect output. */
function everythingIn(error: unknown): string {
  return `${inspect(error, { depth: 5, showHidden: true })} ${JSON.stringify(error)} ${String(error)}`;
}

beforeAll(async () => {
  keys = await clientKeys();
  server = await startOidcServer({ clientJwks: keys.publicJwks, accessTokenTtl: 15 });
});
afterAll(async () => {
  await server?.close();
});
beforeEach(() => server.resetCounters());

describe('clientCredentialsSource against oidc-provider', () => {
  it('client_secret_basic (found by discovery): an opaque token with expiresIn and the server time', async () => {
    const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'basic', clientAuth: clientSecretBasic(SECRETS.basic) });
    const result = answer(await source(ctx()));
    expect(result.token).not.toMatch(/^ey/);
    expect(result.expiresIn).toBe(15);
    expect(result.serverTime).toBeTypeOf('number');
    expect(server.grants).toEqual({ client_credentials: 1 });
  });

  it('client_secret_post', async () => {
    const source = clientCredentialsSource({ tokenEndpoint: server.tokenEndpoint, clientId: 'post', clientAuth: clientSecretPost(SECRETS.post) });
    expect(answer(await source(ctx())).expiresIn).toBe(15);
  });

  it('private_key_jwt with an ES256 CryptoKey and with an RS256 JWK; a fresh assertion each request', async () => {
    for (const clientAuth of [privateKeyJwt(keys.es256, { kid: 'es' }), privateKeyJwt(keys.rs256, { kid: 'rs' })]) {
      const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'jwt', clientAuth });
      // Twice: oidc-provider refuses a replayed jti, so the second succeeds only with a new assertion.
      expect(answer(await source(ctx())).token).toBeTruthy();
      expect(answer(await source(ctx())).token).toBeTruthy();
    }
    expect(server.grants).toEqual({ client_credentials: 4 });
  });

  it('private_key_jwt with aud = the issuer identifier', async () => {
    const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'jwt', clientAuth: privateKeyJwt(keys.es256, { kid: 'es', audience: 'issuer' }) });
    expect(answer(await source(ctx())).token).toBeTruthy();
  });

  it("a key's audience is sent as RFC 8707 resource: that resource's token is a JWT for it", async () => {
    const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'basic', clientAuth: clientSecretBasic(SECRETS.basic), scope: 'api:read' });
    const result = answer(await source(ctx({ audience: JWT_RESOURCE })));
    const claims = decodeJwt(result.token);
    expect(claims).toMatchObject({ aud: JWT_RESOURCE, client_id: 'basic', scope: 'api:read' });
    expect(claims.exp! - claims.iat!).toBe(15);
  });

  it('a wrong secret is a TokenFetchError 401 invalid_client, not null, and nothing secret is in it', async () => {
    const wrong = 'wrong-secret-8f1d2c';
    const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'basic', clientAuth: clientSecretBasic(wrong) });
    const error = await source(ctx()).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(TokenFetchError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 401 });
    expect(oauthErrorOf(error)).toBe('invalid_client');
    expect(everythingIn(error)).not.toContain(wrong);
    expect(everythingIn(error)).not.toContain(btoa(`basic:${wrong}`));
  });

  it('a wrong private key: TokenFetchError invalid_client; the assertion is in no part of the error', async () => {
    const other = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const sent: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      sent.push(String(init?.body ?? ''));
      return fetch(input, init);
    };
    const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'jwt', clientAuth: privateKeyJwt(other.privateKey, { kid: 'es' }), fetch: recordingFetch });
    const error = await source(ctx()).catch((caught: unknown) => caught);
    expect(oauthErrorOf(error)).toBe('invalid_client');
    const assertion = new URLSearchParams(sent.at(-1)).get('client_assertion')!;
    expect(assertion.split('.')).toHaveLength(3);
    expect(everythingIn(error)).not.toContain(assertion.split('.')[2]);
  });

  it('invalid_scope is a TokenFetchError 400 with its code', async () => {
    const source = clientCredentialsSource({ issuer: server.issuer, clientId: 'narrow', clientAuth: clientSecretPost(SECRETS.post), scope: 'api:read' });
    const error = await source(ctx()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 400 });
    expect(oauthErrorOf(error)).toBe('invalid_scope');
  });

  it('an issuer that does not match the discovered one is refused (InvalidTokenError), no token request made', async () => {
    const source = clientCredentialsSource({ issuer: `${server.issuer}/`, clientId: 'basic', clientAuth: clientSecretBasic(SECRETS.basic) });
    const error = await source(ctx()).catch((caught: unknown) => caught);
    expect(InvalidTokenError.is(error)).toBe(true);
    expect(server.grants).toEqual({});
  });
});

describe('oauth2RefreshSource against oidc-provider (refresh tokens from a real authorization-code + PKCE flow)', () => {
  it('public client: opaque access tokens with expiresIn; each refresh rotates and stores the new refresh token', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa' });
    const store = memoryStore(refreshToken);
    const source = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store });
    const seen = new Set<string>([refreshToken]);
    for (let i = 0; i < 3; i++) {
      const result = answer(await source(ctx()));
      expect(result.token).not.toMatch(/^ey/);
      expect(result.expiresIn).toBe(15);
      const stored = (await store.get())!;
      expect(seen.has(stored)).toBe(false);
      seen.add(stored);
    }
    expect(server.grants).toMatchObject({ refresh_token: 3 });
    expect(server.reuseDetections).toBe(0);
  });

  it("a key's audience gets a JWT for that resource on refresh", async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa', resources: [JWT_RESOURCE] });
    const source = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', refreshToken });
    const jwt = answer(await source(ctx({ audience: JWT_RESOURCE })));
    expect(decodeJwt(jwt.token)).toMatchObject({ aud: JWT_RESOURCE });
    const opaque = answer(await source(ctx()));
    expect(opaque.token).not.toMatch(/^ey/);
  });

  it('confidential clients: client_secret_post and client_secret_basic refresh', async () => {
    for (const [clientId, method, clientAuth] of [
      ['post', 'post', clientSecretPost(SECRETS.post)],
      ['basic', 'basic', clientSecretBasic(SECRETS.basic)],
    ] as const) {
      const { refreshToken } = await authorize({ issuer: server.issuer, clientId, exchangeAuth: { method, secret: SECRETS[clientId] } });
      const source = oauth2RefreshSource({ issuer: server.issuer, clientId, clientAuth, refreshToken });
      expect(answer(await source(ctx())).expiresIn).toBe(15);
      expect(answer(await source(ctx())).expiresIn).toBe(15);
    }
    expect(server.reuseDetections).toBe(0);
  });

  it('a wrong client secret on refresh: TokenFetchError invalid_client, and the refresh token is kept', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'post', exchangeAuth: { method: 'post', secret: SECRETS.post } });
    const store = memoryStore(refreshToken);
    const source = oauth2RefreshSource({ issuer: server.issuer, clientId: 'post', clientAuth: clientSecretPost('not-the-secret'), store });
    const error = await source(ctx()).catch((caught: unknown) => caught);
    expect(TokenFetchError.is(error)).toBe(true);
    expect(oauthErrorOf(error)).toBe('invalid_client');
    expect(everythingIn(error)).not.toContain(refreshToken);
    expect(everythingIn(error)).not.toContain('not-the-secret');
    expect(await store.get()).toBe(refreshToken);
  });

  it('the harness sees reuse: an already rotated refresh token sent again revokes the grant', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa' });
    const first = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', refreshToken });
    await first(ctx());
    const replay = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', refreshToken });
    expect(await replay(ctx())).toBeNull();
    expect(server.reuseDetections).toBe(1);
    // The whole grant is gone: the holder of the newest token is signed out too.
    expect(await first(ctx())).toBeNull();
  });

  it('two sources sharing a store, started at the same instant: 0 reuse detections over 5 cycles', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa' });
    const store = memoryStore(refreshToken);
    const a = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store });
    const b = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store });
    for (let cycle = 0; cycle < 5; cycle++) {
      const [fromA, fromB] = await Promise.all([a(ctx()), b(ctx())]);
      expect(answer(fromA).token).toBeTruthy();
      expect(answer(fromB).token).toBeTruthy();
    }
    expect(server.reuseDetections).toBe(0);
    expect(server.grantErrors).toEqual([]);
  });

  it('revocation (RFC 7009) of the refresh token: the next refresh resolves null and clears the store', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa' });
    const store = memoryStore(refreshToken);
    const source = oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store });
    await source(ctx());
    const current = (await store.get())!;
    const revoked = await fetch(server.revocationEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: current, token_type_hint: 'refresh_token', client_id: 'spa' }).toString(),
    });
    expect(revoked.status).toBe(200);
    expect(await source(ctx())).toBeNull();
    expect(await store.get()).toBeNull();
  });
});
