import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, decodeJwt as readClaims, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DevServer, startDevServer } from '../../devserver/src/index';
import { createTokenClient, type TokenClient } from './client';
import { OfflineError } from './errors';
import { createAuthFetch } from './fetch';
import { httpTokenSource } from './sources/index';
import type { TokenEvent } from './types';

/**
 * authFetch over real HTTP: tokens from the real devserver, requests to a small resource server
 * that verifies them against the devserver's JWKS and can refuse a token by its `jti`, the way an
 * API refuses a token it has revoked. Real time, but nothing here waits on a token's lifetime.
 */

let issuer: DevServer;
let api: Server;
let apiUrl: string;
const refused = new Set<string>();
const seen: Array<{ path: string; status: number; body: string }> = [];
let clients: TokenClient[] = [];

beforeAll(async () => {
  issuer = await startDevServer({ port: 0, ttl: 60 });
  const jwks = createRemoteJWKSet(new URL(`${issuer.url}/.well-known/jwks.json`));
  api = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    let status = 401;
    let answer = '';
    if (token) {
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: issuer.issuer });
        if (!refused.has(String(payload.jti))) {
          status = 200;
          answer = JSON.stringify({ sub: payload.sub, body });
        }
      } catch {
        status = 401;
      }
    }
    seen.push({ path: request.url ?? '', status, body });
    response.writeHead(status, { 'content-type': 'application/json' }).end(answer || '{"error":"unauthorized"}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => api.close(resolve));
  await issuer.close();
});
afterEach(() => {
  for (const client of clients) client.destroy();
  clients = [];
  refused.clear();
  seen.length = 0;
  issuer.control.reset();
});

const alwaysOnline = { isOnline: () => true, subscribe: () => () => undefined };
const noWake = { subscribe: () => () => undefined };

function signedIn() {
  const { sessionId, cookie } = issuer.control.signIn({ userId: 'user_fetch' });
  const events: TokenEvent[] = [];
  const client = createTokenClient({ fetchToken: httpTokenSource({ baseUrl: issuer.url, sessionId, headers: { cookie } }), network: alwaysOnline, wake: noWake });
  client.subscribe((event) => events.push(event));
  clients.push(client);
  return { client, sessionId, events };
}

const tokenRequests = () => issuer.control.stats().byEndpoint['session-token'] ?? 0;
const jtiOf = (token: string | null) => String(readClaims(token ?? '').jti);

describe('authFetch against the devserver and a verifying API', () => {
  it('sends a token the API verifies', async () => {
    const { client } = signedIn();
    const response = await createAuthFetch(client)(`${apiUrl}/me`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ sub: 'user_fetch' });
    expect(tokenRequests()).toBe(1);
  });

  it('replaces a token the API refuses with one fresh token and replays the POST body', async () => {
    const { client } = signedIn();
    const first = await client.getToken();
    refused.add(jtiOf(first));
    const response = await createAuthFetch(client)(`${apiUrl}/notes`, { method: 'POST', body: 'hello' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'user_fetch', body: 'hello' });
    expect(seen.map((request) => [request.status, request.body])).toEqual([
      [401, 'hello'],
      [200, 'hello'],
    ]);
    expect(tokenRequests()).toBe(2);
    expect(jtiOf(client.peekToken())).not.toBe(jtiOf(first));
  });

  it('a revoked session: the refresh finds it signed out and the first 401 comes back, once', async () => {
    const { client, sessionId, events } = signedIn();
    refused.add(jtiOf(await client.getToken()));
    issuer.control.revoke(sessionId);
    const response = await createAuthFetch(client)(`${apiUrl}/me`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'unauthorized' });
    expect(seen).toHaveLength(1);
    expect(events.some((event) => event.type === 'signed-out')).toBe(true);
    expect(await client.getToken()).toBeNull();
  });

  it('an unreachable token endpoint: OfflineError reaches the caller and the API sees nothing', async () => {
    // A port that was just released: connections are refused, as when the issuer is down.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const client = createTokenClient({
      fetchToken: httpTokenSource({ baseUrl: `http://127.0.0.1:${port}`, sessionId: 'sess_x' }),
      network: alwaysOnline,
      wake: noWake,
      foregroundRetryBudget: 300,
    });
    clients.push(client);
    const failure = await createAuthFetch(client)(`${apiUrl}/me`).catch((error: unknown) => error);
    expect(OfflineError.is(failure)).toBe(true);
    expect(seen).toHaveLength(0);
  });
});
