import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../../../devserver/src/index';
import { type TokenClient, type TokenClientOptions, createTokenClient } from '../../src/client';
import { OfflineError, TokenFetchError } from '../../src/errors';
import { decodeJwt } from '../../src/jwt';
import { httpTokenSource, oauth2RefreshSource } from '../../src/sources/index';
import type { TokenEvent } from '../../src/types';
import { manualTime } from '../manualTime';

/**
 * The engine over real HTTP against the real devserver. Time is manual (one clock shared by the
 * server and the client, timers advanced by the test), so a 30 s scenario runs in well under a
 * second of wall time while every request is a real one, counted by the server's control API.
 */

let server: DevServer;
let time: ReturnType<typeof manualTime>;
let clients: TokenClient[] = [];
let serverOffset = 0;

beforeAll(async () => {
  time = manualTime();
  server = await startDevServer({
    port: 0,
    ttl: 60,
    now: () => time.now() + serverOffset,
    templates: { six: { ttl: 6 } },
    onError: (error) => console.error(error),
  });
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
  serverOffset = 0;
  server.control.reset();
});

const alwaysOnline = { isOnline: () => true, subscribe: () => () => undefined };
const noWake = { subscribe: () => () => undefined };

async function stats(): Promise<{ total: number; byEndpoint: Record<string, number>; bySession: Record<string, number> }> {
  const response = await fetch(`${server.url}/__control/stats`);
  return (await response.json()) as never;
}

async function controlFaults(patch: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${server.url}/__control/faults`, { method: 'POST', body: JSON.stringify(patch), headers: { 'content-type': 'application/json' } });
  expect(response.status).toBe(200);
}

function sessionClient(options: Partial<TokenClientOptions> = {}) {
  const { sessionId, cookie } = server.control.signIn({ userId: 'user_it' });
  const events: TokenEvent[] = [];
  const client = createTokenClient({
    fetchToken: httpTokenSource({ baseUrl: server.url, sessionId, headers: { cookie } }),
    clock: time.clock,
    timers: time.timers,
    network: alwaysOnline,
    wake: noWake,
    random: () => 0.5,
    ...options,
  });
  client.subscribe((event) => events.push(event));
  clients.push(client);
  return { client, sessionId, events };
}

/** Waits (manual time standing still) until no refresh is in flight. */
async function settleRefreshes(client: TokenClient): Promise<void> {
  for (let i = 0; i < 500 && client.snapshot().entries.some((entry) => entry.refreshing); i++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('createTokenClient + httpTokenSource over real HTTP', () => {
  it('50 concurrent getToken() -> 1 request; the token verifies against the JWKS', async () => {
    const { client, sessionId } = sessionClient();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect((await stats()).bySession[sessionId]).toBe(1);
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(tokens[0] as string, jwks, { issuer: server.issuer, currentDate: new Date(time.now()) });
    expect(payload).toMatchObject({ sub: 'user_it', sid: sessionId });
  });

  it('a 6 s token (minValidity 2) read continuously for 30 s -> one request per 3 s cycle, about 10', async () => {
    // With the default minValidity (5 s) a 6 s token could be served for less than a second; short
    // tokens call for a lower minValidity, which is then exact.
    const { client, sessionId } = sessionClient({ minValidity: 2 });
    const served: string[] = [];
    for (let step = 0; step < 60; step++) {
      const token = await client.getToken({ template: 'six' });
      expect((decodeJwt(token).exp as number) * 1000 - time.now()).toBeGreaterThan(2_000);
      served.push(token as string);
      await time.advance(500);
      await settleRefreshes(client);
    }
    const requests = (await stats()).bySession[sessionId] ?? 0;
    expect(requests).toBeGreaterThanOrEqual(9);
    expect(requests).toBeLessThanOrEqual(11);
    // Every token fetched was served, except perhaps one refreshed after the last read.
    expect(new Set(served).size).toBeGreaterThanOrEqual(requests - 1);
  });

  it('latency: callers share the slow request; during a slow refresh reads answer from the cache', async () => {
    const { client, sessionId } = sessionClient();
    await controlFaults({ latencyMs: 150 });
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    await time.advance(43_000);
    // The refresh is in flight (150 ms of real latency): reads do not wait for it.
    const started = performance.now();
    expect(await client.getToken()).toBe(tokens[0]);
    expect(performance.now() - started).toBeLessThan(100);
    await settleRefreshes(client);
    expect(await client.getToken()).not.toBe(tokens[0]);
    expect((await stats()).bySession[sessionId]).toBe(2);
  });

  it('a 5xx burst is retried within the budget; the request count shows each attempt', async () => {
    const { client, sessionId } = sessionClient();
    await controlFaults({ failNext: 3, errorStatus: 502 });
    const result = await time.drive(client.getToken());
    expect(typeof result.value).toBe('string');
    expect((await stats()).bySession[sessionId]).toBe(4);
  });

  it('a 5xx outage longer than the budget -> TokenFetchError with the status', async () => {
    const { client } = sessionClient();
    await controlFaults({ errorRate: 1, errorStatus: 503, retryAfterSeconds: null });
    const result = await time.drive(client.getToken());
    expect(TokenFetchError.is(result.error)).toBe(true);
    expect((result.error as TokenFetchError).status).toBe(503);
    expect(result.elapsed).toBeLessThanOrEqual(10_050);
  });

  it('429 + Retry-After: waits exactly what the server asked, then succeeds', async () => {
    const { client, sessionId } = sessionClient();
    await controlFaults({ failNext: 1, errorStatus: 429, retryAfterSeconds: 2 });
    const result = await time.drive(client.getToken(), 10);
    expect(typeof result.value).toBe('string');
    expect(result.elapsed).toBeGreaterThanOrEqual(2_000);
    expect(result.elapsed).toBeLessThan(2_200);
    expect((await stats()).bySession[sessionId]).toBe(2);
  });

  it('dropped connections -> OfflineError after the budget, with the network failure as cause; recovers after', async () => {
    const { client } = sessionClient();
    await controlFaults({ dropRate: 1 });
    const result = await time.drive(client.getToken());
    expect(OfflineError.is(result.error)).toBe(true);
    expect((result.error as OfflineError).cause).toBeInstanceOf(TypeError);
    await controlFaults({ dropRate: 0 });
    expect(typeof (await time.drive(client.getToken())).value).toBe('string');
  });

  it('hanging responses are aborted per attempt; the caller gets OfflineError within its budget', async () => {
    const { client, sessionId } = sessionClient({ requestTimeout: 3_000 });
    await controlFaults({ hang: true });
    const result = await time.drive(client.getToken(), 100);
    expect(OfflineError.is(result.error)).toBe(true);
    expect(result.elapsed).toBeLessThanOrEqual(10_100);
    expect((await stats()).bySession[sessionId]).toBeGreaterThanOrEqual(3);
  });

  it('a revoked session -> null, a signed-out event, nothing cached', async () => {
    const { client, sessionId, events } = sessionClient();
    expect(await client.getToken()).toEqual(expect.any(String));
    const revoked = await fetch(`${server.url}/__control/sessions/${sessionId}/revoke`, { method: 'POST' });
    expect(revoked.status).toBe(200);
    expect(await client.getToken({ skipCache: true })).toBeNull();
    expect(events.some((event) => event.type === 'signed-out')).toBe(true);
    expect(client.peekToken()).toBeNull();
  });

  it('a server clock 10 minutes ahead: the offset is learned, one refresh per cycle, never an expired token', async () => {
    serverOffset = 0;
    await controlFaults({ clockOffsetMs: 600_000 });
    const { client, sessionId } = sessionClient();
    for (let second = 0; second < 130; second++) {
      const token = await client.getToken();
      // Expiry judged by the server's clock, which is 10 minutes ahead of ours.
      expect((decodeJwt(token).exp as number) * 1000 - (time.now() + 600_000)).toBeGreaterThan(5_000);
      await time.advance(1_000);
      await settleRefreshes(client);
    }
    expect(Math.abs(client.snapshot().serverOffset - 600_000)).toBeLessThan(1_500);
    // 130 s of 60 s tokens: at 0, 43 and 86 s (and 129 s): one per cycle.
    expect((await stats()).bySession[sessionId]).toBeLessThanOrEqual(4);
  });
});

describe('createTokenClient + oauth2RefreshSource over real HTTP', () => {
  it('rotates on every refresh; a reused refresh token revokes the family -> null and signed-out', async () => {
    const { refreshToken } = server.control.grant({ userId: 'user_m2m', clientId: 'svc' });
    const events: TokenEvent[] = [];
    const client = createTokenClient({
      fetchToken: oauth2RefreshSource({ tokenEndpoint: `${server.url}/oauth/token`, clientId: 'svc', refreshToken }),
      clock: time.clock,
      timers: time.timers,
      network: alwaysOnline,
      wake: noWake,
    });
    clients.push(client);
    client.subscribe((event) => events.push(event));
    const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect((await stats()).byEndpoint['oauth-token']).toBe(1);
    const second = await client.getToken({ skipCache: true });
    expect(second).not.toBe(tokens[0]);
    expect((await stats()).byEndpoint['oauth-token']).toBe(2);

    // An attacker replays the first (already rotated) refresh token: the family is revoked.
    const replay = await fetch(`${server.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'svc' }),
    });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');

    expect(await client.getToken({ skipCache: true })).toBeNull();
    expect(events.some((event) => event.type === 'signed-out')).toBe(true);
  });
});
