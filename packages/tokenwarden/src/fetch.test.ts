import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt, mintingSource, noWake, serial } from '../test/helpers';
import { createTokenClient, type TokenClient } from './client';
import { OfflineError, TokenFetchError } from './errors';
import { authFetch, createAuthFetch } from './fetch';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function setup() {
  const network = fakeNetwork();
  const source = mintingSource(60);
  const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now() }, random: () => 0.5 });
  return { client, network, source };
}

interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  body: string;
  headers: Headers;
}

/** A fake server: answers each request with the next status, records what it was sent. */
function server(...statuses: number[]) {
  const seen: Seen[] = [];
  const bodies: Array<{ cancelled: boolean }> = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push({ url: request.url, method: request.method, authorization: request.headers.get('authorization'), body: await request.text(), headers: request.headers });
    const status = statuses[Math.min(seen.length - 1, statuses.length - 1)] ?? 200;
    const tracker = { cancelled: false };
    bodies.push(tracker);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(`answer ${seen.length}`));
        controller.close();
      },
      cancel() {
        tracker.cancelled = true;
      },
    });
    return new Response(body, { status });
  });
  return { fetch, seen, bodies };
}

const bearer = (authorization: string | null) => serial(authorization?.replace(/^Bearer /, '') ?? null);

describe('authFetch', () => {
  it('sends the token as a Bearer Authorization header, keeping the caller’s headers', async () => {
    const { client } = setup();
    const api = server(200);
    const response = await createAuthFetch(client, { fetch: api.fetch })('https://api.test/items', { headers: { 'x-trace': 'abc' } });
    expect(response.status).toBe(200);
    expect(bearer(api.seen[0]?.authorization ?? null)).toBe(1);
    expect(api.seen[0]?.headers.get('x-trace')).toBe('abc');
  });

  it('on a 401 retries once with a forced refresh, replaying the body', async () => {
    const { client, source } = setup();
    const api = server(401, 200);
    const response = await createAuthFetch(client, { fetch: api.fetch })('https://api.test/items', { method: 'POST', body: 'payload' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('answer 2');
    expect(api.seen.map((request) => bearer(request.authorization))).toEqual([1, 2]);
    expect(api.seen.map((request) => request.body)).toEqual(['payload', 'payload']);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    // The refused answer's body is released before the retry.
    expect(api.bodies[0]?.cancelled).toBe(true);
  });

  it('replays the body of a Request input, not only of init', async () => {
    const { client } = setup();
    const api = server(401, 200);
    const request = new Request('https://api.test/items', { method: 'PUT', body: 'from-request' });
    await createAuthFetch(client, { fetch: api.fetch })(request);
    expect(api.seen.map((seen) => [seen.method, seen.body])).toEqual([
      ['PUT', 'from-request'],
      ['PUT', 'from-request'],
    ]);
  });

  it('never loops: a second 401 is returned as it is', async () => {
    const { client, source } = setup();
    const api = server(401);
    const response = await createAuthFetch(client, { fetch: api.fetch })('https://api.test/items');
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('answer 2');
    expect(api.fetch).toHaveBeenCalledTimes(2);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('returns other statuses without retrying', async () => {
    const { client } = setup();
    for (const status of [403, 404, 500]) {
      const api = server(status);
      const response = await createAuthFetch(client, { fetch: api.fetch })('https://api.test/items');
      expect(response.status).toBe(status);
      expect(api.fetch).toHaveBeenCalledTimes(1);
    }
  });

  it('propagates OfflineError from getToken unchanged, sending nothing', async () => {
    const offline = new OfflineError();
    const client = { getToken: vi.fn(() => Promise.reject(offline)), peekToken: () => null } as unknown as TokenClient;
    const api = server(200);
    await expect(createAuthFetch(client, { fetch: api.fetch })('https://api.test/items')).rejects.toBe(offline);
    expect(api.fetch).not.toHaveBeenCalled();
  });

  it('propagates OfflineError from the forced refresh after a 401', async () => {
    const { client, network } = setup();
    const api = server(401, 200);
    const authed = createAuthFetch(client, {
      fetch: async (request) => {
        const response = await api.fetch(request);
        network.set(false);
        return response;
      },
    });
    const failure = await authed('https://api.test/items').catch((error: unknown) => error);
    expect(OfflineError.is(failure)).toBe(true);
    expect(api.fetch).toHaveBeenCalledTimes(1);
  });

  it('propagates other token errors unchanged too', async () => {
    const error = new TokenFetchError(503);
    const client = { getToken: () => Promise.reject(error), peekToken: () => null } as unknown as TokenClient;
    await expect(authFetch(client, 'https://api.test/items')).rejects.toBe(error);
  });

  it('signed out: sends the request without a token and does not retry its 401', async () => {
    const client = createTokenClient({ fetchToken: async () => null, network: fakeNetwork(), wake: noWake });
    const api = server(401);
    const response = await createAuthFetch(client, { fetch: api.fetch })('https://api.test/items');
    expect(response.status).toBe(401);
    expect(api.seen.map((seen) => seen.authorization)).toEqual([null]);
  });

  it('returns the first 401 untouched when the refresh says signed out', async () => {
    let signedIn = true;
    const source = mintingSource(60);
    const client = createTokenClient({
      fetchToken: (ctx) => (signedIn ? source.fetchToken(ctx) : Promise.resolve(null)),
      network: fakeNetwork(),
      wake: noWake,
    });
    const api = server(401, 200);
    const authed = createAuthFetch(client, {
      fetch: async (request) => {
        signedIn = false;
        return api.fetch(request);
      },
    });
    const response = await authed('https://api.test/items');
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('answer 1');
    expect(api.fetch).toHaveBeenCalledTimes(1);
  });

  it('does not resend when the forced refresh brings back the very token that was refused', async () => {
    const same = freshJwt(60);
    const client = createTokenClient({ fetchToken: async () => same, network: fakeNetwork(), wake: noWake });
    const api = server(401, 200);
    const response = await createAuthFetch(client, { fetch: api.fetch })('https://api.test/items');
    expect(response.status).toBe(401);
    expect(await response.text()).toBe('answer 1');
    expect(api.fetch).toHaveBeenCalledTimes(1);
  });

  it('concurrent 401s share one refresh', async () => {
    const { client, source } = setup();
    await client.getToken();
    const statuses = new Map<number, number>();
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const token = bearer(new Request(input, init).headers.get('authorization'));
      statuses.set(token, (statuses.get(token) ?? 0) + 1);
      return new Response(null, { status: token === 1 ? 401 : 200 });
    });
    const authed = createAuthFetch(client, { fetch });
    const responses = await Promise.all([authed('https://api.test/a'), authed('https://api.test/b'), authed('https://api.test/c')]);
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(Object.fromEntries(statuses)).toEqual({ 1: 3, 2: 3 });
  });

  it('a late 401 for a token already replaced retries with the current one, without another refresh', async () => {
    const { client, source } = setup();
    const stale = await client.getToken();
    const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      const sent = new Request(input, init).headers.get('authorization');
      // While this request was on the wire, someone else refreshed the token.
      if (sent === `Bearer ${stale}`) await client.getToken({ skipCache: true });
      return new Response(null, { status: sent === `Bearer ${stale}` ? 401 : 200 });
    });
    const response = await createAuthFetch(client, { fetch })('https://api.test/items');
    expect(response.status).toBe(200);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('asks for the configured token key', async () => {
    const { client, source } = setup();
    const api = server(200);
    await createAuthFetch(client, { fetch: api.fetch, token: { template: 'api', organizationId: 'org_1' } })('https://api.test/items');
    expect(source.calls.map((call) => [call.template, call.organizationId])).toEqual([['api', 'org_1']]);
  });

  it('treats what isUnauthorized says as a refused token', async () => {
    const { client } = setup();
    const api = server(419, 200);
    const response = await createAuthFetch(client, { fetch: api.fetch, isUnauthorized: (r) => r.status === 419 })('https://api.test/items');
    expect(response.status).toBe(200);
    expect(api.fetch).toHaveBeenCalledTimes(2);
  });

  it('uses the global fetch at call time when none is given', async () => {
    const { client } = setup();
    const api = server(200);
    vi.stubGlobal('fetch', api.fetch);
    const response = await authFetch(client, 'https://api.test/items');
    expect(response.status).toBe(200);
    expect(bearer(api.seen[0]?.authorization ?? null)).toBe(1);
  });
});
