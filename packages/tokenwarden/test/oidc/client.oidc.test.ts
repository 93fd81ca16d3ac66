import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type TokenClient, createTokenClient } from '../../src/client';
import { TokenFetchError } from '../../src/errors';
import {
  type ClientAuth,
  clientCredentialsSource,
  clientSecretBasic,
  clientSecretPost,
  memoryStore,
  oauth2RefreshSource,
  oauthErrorOf,
  privateKeyJwt,
} from '../../src/sources/index';
import type { FetchToken, TokenEvent, TokenKey } from '../../src/types';
import { manualTime } from '../manualTime';
import { authorize } from './authorize';
import { installClockedDate } from './clockedDate';
import { type ClientKeys, clientKeys } from './clientKeys';
import { JWT_RESOURCE, type OidcServer, SECRETS, startOidcServer } from './oidcServer';

/**
 * The whole client (cache, scheduler, single flight, sign-out) over real HTTP against a real
 * oidc-provider. Time is manual and shared: the global `Date` reads the test's clock, so the
 * provider's `iat`/`exp`/`Date` header and the client's clock agree, and three 15 s token lifetimes
 * run in well under a second of wall time while every grant is a real one.
 */

const TTL = 15;
/**
 * JWT access tokens (one resource): where a test is about something other than the token kind, it
 * uses these, which the engine has always accepted.
 */
const JWT_KEY: TokenKey = { audience: JWT_RESOURCE };
const MIN_VALIDITY = 5;
let server: OidcServer;
let keys: ClientKeys;
let time: ReturnType<typeof manualTime>;
let restoreDate: () => void;
let clients: TokenClient[] = [];

const alwaysOnline = { isOnline: () => true, subscribe: () => () => undefined };
const noWake = { subscribe: () => () => undefined };

beforeAll(async () => {
  time = manualTime();
  restoreDate = installClockedDate(time.now);
  keys = await clientKeys();
  server = await startOidcServer({ clientJwks: keys.publicJwks, accessTokenTtl: TTL });
});
afterAll(async () => {
  await server?.close();
  restoreDate?.();
});
beforeEach(() => server.resetCounters());
afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
});

function tokenClient(fetchToken: FetchToken) {
  const events: TokenEvent[] = [];
  const client = createTokenClient({ fetchToken, clock: time.clock, timers: time.timers, network: alwaysOnline, wake: noWake, random: () => 0.5, minValidity: MIN_VALIDITY });
  client.subscribe((event) => events.push(event));
  clients.push(client);
  return { client, events };
}

/** Waits (manual time standing still) until no refresh is in flight. */
async function settleRefreshes(...all: TokenClient[]): Promise<void> {
  for (let i = 0; i < 1000 && all.some((client) => client.snapshot().entries.some((entry) => entry.refreshing)); i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const grantCount = () => Object.values(server.grants).reduce((sum, count) => sum + count, 0);

/**
 * Reads `key` every 250 ms of manual time for `seconds`, checking each token against the server's
 * own expiry for it. Returns the distinct tokens served and the least validity any had left.
 */
async function readFor(client: TokenClient, key: TokenKey, seconds: number): Promise<{ distinct: number; leastLeftMs: number }> {
  const served = new Set<string>();
  let leastLeftMs = Infinity;
  for (let elapsed = 0; elapsed < seconds * 1000; elapsed += 250) {
    const token = await client.getToken(key);
    if (token === null) throw new Error('signed out unexpectedly');
    const exp = server.expiryOf(token);
    if (exp === undefined) throw new Error('the server does not know this token');
    served.add(token);
    leastLeftMs = Math.min(leastLeftMs, exp * 1000 - time.now());
    await time.advance(250);
    await settleRefreshes(client);
  }
  return { distinct: served.size, leastLeftMs };
}

const spaRefreshSource = async () => {
  const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa', resources: [JWT_RESOURCE] });
  return oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store: memoryStore(refreshToken) });
};
const machineSource = () => clientCredentialsSource({ issuer: server.issuer, clientId: 'basic', clientAuth: clientSecretBasic(SECRETS.basic), scope: 'api:read' });

describe('tokens from oidc-provider through createTokenClient', () => {
  const cases: [string, () => Promise<FetchToken> | FetchToken, TokenKey][] = [
    ['oauth2RefreshSource, opaque access tokens', spaRefreshSource, {}],
    ['oauth2RefreshSource, JWT access tokens (a resource)', spaRefreshSource, { audience: JWT_RESOURCE }],
    ['clientCredentialsSource, opaque access tokens', machineSource, {}],
    ['clientCredentialsSource, JWT access tokens (a resource)', machineSource, { audience: JWT_RESOURCE }],
  ];

  for (const [name, makeSource, key] of cases) {
    it(`${name}: cached, refreshed about once per cycle over 3 lifetimes, never served with <= minValidity left`, async () => {
      const { client, events } = tokenClient(await makeSource());
      server.resetCounters();
      const { distinct, leastLeftMs } = await readFor(client, key, 3 * TTL);
      // A 15 s token is refreshed at half its life (the margin is capped at 0.5 * ttl): 7.5 s cycles.
      const cycles = (3 * TTL) / (TTL / 2);
      const grants = grantCount();
      expect(grants).toBeGreaterThanOrEqual(cycles);
      expect(grants).toBeLessThanOrEqual(cycles + 1);
      // Every token fetched was served (none wasted), bar one fetched in the last cycle.
      expect(distinct).toBeGreaterThanOrEqual(grants - 1);
      expect(leastLeftMs).toBeGreaterThan(MIN_VALIDITY * 1000);
      expect(server.reuseDetections).toBe(0);
      expect(events.filter((event) => event.type === 'signed-out')).toEqual([]);
    });
  }
});

describe('client authentication through createTokenClient', () => {
  // Built inside each test: the keys exist only after beforeAll.
  const methods: [string, string, () => ClientAuth][] = [
    ['client_secret_basic', 'basic', () => clientSecretBasic(SECRETS.basic)],
    ['client_secret_post', 'post', () => clientSecretPost(SECRETS.post)],
    ['private_key_jwt (ES256 CryptoKey)', 'jwt', () => privateKeyJwt(keys.es256, { kid: 'es' })],
    ['private_key_jwt (RS256 JWK)', 'jwt', () => privateKeyJwt(keys.rs256, { kid: 'rs' })],
  ];
  for (const [name, clientId, clientAuth] of methods) {
    it(`${name} gets a token, then a fresh one on skipCache`, async () => {
      const { client } = tokenClient(clientCredentialsSource({ issuer: server.issuer, clientId, clientAuth: clientAuth(), scope: 'api:read' }));
      const first = await client.getToken({ audience: JWT_RESOURCE });
      expect(first).toEqual(expect.any(String));
      await time.advance(1000);
      expect(await client.getToken({ audience: JWT_RESOURCE, skipCache: true })).not.toBe(first);
      expect(server.grants).toEqual({ client_credentials: 2 });
    });
  }

  it('a wrong secret rejects with TokenFetchError (invalid_client), not null, no signed-out; no secret in any event', async () => {
    const wrong = 'wrong-secret-5a7e';
    const { client, events } = tokenClient(clientCredentialsSource({ issuer: server.issuer, clientId: 'post', clientAuth: clientSecretPost(wrong) }));
    const error = await client.getToken().catch((caught: unknown) => caught);
    expect(TokenFetchError.is(error)).toBe(true);
    expect(oauthErrorOf(error)).toBe('invalid_client');
    expect(events.some((event) => event.type === 'signed-out')).toBe(false);
    // Not retried: a configuration error does not get better by asking again.
    expect(server.grantErrors).toEqual(['invalid_client']);
    expect(JSON.stringify(events, (_k, value: unknown) => (value instanceof Error ? { ...value, message: value.message, cause: value.cause } : value))).not.toContain(wrong);
  });
});

describe('single flight, shared rotation and sign-out, against oidc-provider', () => {
  it('20 concurrent cold calls -> 1 grant (client_credentials and refresh_token)', async () => {
    for (const source of [machineSource(), await spaRefreshSource()]) {
      const { client } = tokenClient(source);
      server.resetCounters();
      const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken(JWT_KEY)));
      expect(new Set(tokens).size).toBe(1);
      expect(grantCount()).toBe(1);
    }
  });

  it('two clients whose sources share a store, started at the same instant: 0 reuse detections over 5 cycles', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa', resources: [JWT_RESOURCE] });
    const store = memoryStore(refreshToken);
    const a = tokenClient(oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store }));
    const b = tokenClient(oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store }));
    server.resetCounters();
    for (let elapsed = 0; elapsed < 5 * (TTL / 2) * 1000; elapsed += 250) {
      const [tokenA, tokenB] = await Promise.all([a.client.getToken(JWT_KEY), b.client.getToken(JWT_KEY)]);
      expect(tokenA).toEqual(expect.any(String));
      expect(tokenB).toEqual(expect.any(String));
      await time.advance(250);
      await settleRefreshes(a.client, b.client);
    }
    expect(server.reuseDetections).toBe(0);
    expect(server.grantErrors).toEqual([]);
    // Each client refreshes once per cycle (no coordinator between them): two grants per cycle.
    expect(server.grants['refresh_token']).toBeLessThanOrEqual(2 * 6);
  });

  it('revocation (RFC 7009) of the refresh token -> null and a signed-out event', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa', resources: [JWT_RESOURCE] });
    const store = memoryStore(refreshToken);
    const { client, events } = tokenClient(oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store }));
    expect(await client.getToken(JWT_KEY)).toEqual(expect.any(String));
    const revoked = await fetch(server.revocationEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: (await store.get())!, token_type_hint: 'refresh_token', client_id: 'spa' }).toString(),
    });
    expect(revoked.status).toBe(200);
    expect(await client.getToken({ ...JWT_KEY, skipCache: true })).toBeNull();
    expect(events.filter((event) => event.type === 'signed-out')).toHaveLength(1);
    expect(await store.get()).toBeNull();
  });
});
