import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startDevServer, type DevServer } from '../../../devserver/src/index';
import { InvalidTokenError, TokenFetchError } from '../errors';
import type { FetchTokenContext, FetchTokenResult } from '../types';
import { memoryStore, oauth2RefreshSource, type RefreshTokenStore } from './oauth2RefreshSource';

const ctx = (signal = new AbortController().signal): FetchTokenContext => ({ signal });

function tokenOf(result: FetchTokenResult): string {
  if (result === null || typeof result === 'string') throw new Error(`expected { token }, got ${String(result)}`);
  return result.token;
}

/** A store that records every write, like one backed by localStorage would see them. */
function recordingStore(initial: string | null): RefreshTokenStore & { writes: (string | null)[]; value(): string | null } {
  let token = initial;
  const writes: (string | null)[] = [];
  return {
    writes,
    value: () => token,
    get: async () => token,
    set: async (next) => {
      writes.push(next);
      token = next;
    },
  };
}

describe('oauth2RefreshSource against the devserver', () => {
  let server: DevServer;
  let grant: { refreshToken: string; familyId: string };
  const endpoint = () => `${server.url}/oauth/token`;
  const family = () => server.control.sessions().find((s) => s.id === grant.familyId)!;

  beforeAll(async () => {
    server = await startDevServer({ onError: (error) => console.error(error) });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.control.reset();
    grant = server.control.grant({ userId: 'user_oauth', clientId: 'spa' });
  });

  it('resolves an access token that verifies, with the server time', async () => {
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: grant.refreshToken });
    const result = await fetchToken(ctx());
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(tokenOf(result), jwks, { issuer: server.issuer });
    expect(payload).toMatchObject({ sub: 'user_oauth', sid: grant.familyId, client_id: 'spa' });
    expect(typeof (result as { serverTime?: number }).serverTime).toBe('number');
  });

  it('persists each rotated refresh token in the store', async () => {
    const store = recordingStore(grant.refreshToken);
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', store });
    for (let i = 0; i < 3; i++) expect(tokenOf(await fetchToken(ctx()))).toMatch(/^ey/);
    expect(store.writes).toHaveLength(3);
    expect(new Set([grant.refreshToken, ...store.writes]).size).toBe(4);
    expect(store.value()).toBe(store.writes[2]);
    expect(family()).toMatchObject({ status: 'active', rotations: 3 });
  });

  it('single-flights: concurrent calls send one refresh request and share its token', async () => {
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: grant.refreshToken });
    const [a, b, c] = await Promise.all([fetchToken(ctx()), fetchToken(ctx()), fetchToken(ctx())]);
    expect(tokenOf(a)).toBe(tokenOf(b));
    expect(tokenOf(b)).toBe(tokenOf(c));
    expect(server.control.stats().byEndpoint['oauth-token']).toBe(1);
    // The next call is a new flight with the rotated token, not a replay.
    expect(tokenOf(await fetchToken(ctx()))).not.toBe(tokenOf(a));
    expect(server.control.stats().byEndpoint['oauth-token']).toBe(2);
    expect(family().status).toBe('active');
  });

  it('reuse of an old refresh token signs out: null, store cleared, family revoked for everyone', async () => {
    const current = recordingStore(grant.refreshToken);
    const live = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', store: current });
    await live(ctx());
    const stale = recordingStore(grant.refreshToken);
    const replay = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', store: stale });
    expect(await replay(ctx())).toBeNull();
    expect(stale.value()).toBeNull();
    expect(family()).toMatchObject({ status: 'revoked', revoked_reason: 'reuse' });
    expect(await live(ctx())).toBeNull();
    expect(current.value()).toBeNull();
    // Signed out stays signed out without asking the server again.
    const before = server.control.stats().total;
    expect(await live(ctx())).toBeNull();
    expect(server.control.stats().total).toBe(before);
  });

  it('an unknown or revoked refresh token resolves null', async () => {
    expect(await oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: 'rt_bogus' })(ctx())).toBeNull();
    server.control.revoke(grant.familyId);
    expect(await oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: grant.refreshToken })(ctx())).toBeNull();
  });

  it('429 and 5xx throw TokenFetchError with retryAfter and keep the refresh token', async () => {
    const store = recordingStore(grant.refreshToken);
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', store });
    server.control.faults({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const limited = await fetchToken(ctx()).catch((e: unknown) => e);
    expect(TokenFetchError.is(limited)).toBe(true);
    expect(limited).toMatchObject({ status: 429, retryAfter: 3_000 });
    server.control.faults({ rateLimitRate: 0, errorRate: 1, errorStatus: 502 });
    await expect(fetchToken(ctx())).rejects.toMatchObject({ status: 502, retryAfter: undefined });
    expect(store.writes).toEqual([]);
    server.control.reset();
    expect(tokenOf(await fetchToken(ctx()))).toMatch(/^ey/);
  });

  it('other error answers throw TokenFetchError (a wrong client is invalid_grant: null)', async () => {
    server.control.faults({ failNext: 1, errorStatus: 400 });
    await expect(oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: grant.refreshToken })(ctx())).rejects.toMatchObject({
      name: 'TokenFetchError',
      status: 400,
    });
    expect(await oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'other', refreshToken: grant.refreshToken })(ctx())).toBeNull();
  });

  it('a dropped connection rejects with fetch’s TypeError', async () => {
    server.control.faults({ dropRate: 1 });
    await expect(oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: grant.refreshToken })(ctx())).rejects.toBeInstanceOf(TypeError);
  });

  it('a caller giving up does not abort the rotation; the next call joins it and nothing is replayed', async () => {
    const store = recordingStore(grant.refreshToken);
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', store });
    server.control.faults({ hang: true });
    const controller = new AbortController();
    const first = fetchToken(ctx(controller.signal));
    const reason = new Error('attempt timeout');
    controller.abort(reason);
    await expect(first).rejects.toBe(reason);
    const second = fetchToken(ctx());
    server.control.faults({ hang: false });
    expect(tokenOf(await second)).toMatch(/^ey/);
    expect(server.control.stats().byEndpoint['oauth-token']).toBe(1);
    expect(store.writes).toHaveLength(1);
    expect(family()).toMatchObject({ status: 'active', rotations: 1 });
  });

  it('rejects at once for an already aborted signal', async () => {
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(oauth2RefreshSource({ tokenEndpoint: endpoint(), clientId: 'spa', refreshToken: grant.refreshToken })(ctx(controller.signal))).rejects.toThrow('gone');
    expect(server.control.stats().total).toBe(0);
  });
});

describe('oauth2RefreshSource with a fake fetch', () => {
  type Call = { url: string; body: URLSearchParams; signal: AbortSignal | undefined };
  function fakeFetch(respond: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
    const calls: Call[] = [];
    const impl = (async (url: string | URL | Request, init?: RequestInit) => {
      const call = { url: String(url), body: new URLSearchParams(String(init?.body)), signal: init?.signal ?? undefined };
      calls.push(call);
      return respond(call);
    }) as typeof fetch;
    return { fetch: impl, calls };
  }
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('needs exactly one of refreshToken and store', () => {
    expect(() => oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c' })).toThrow(TypeError);
    expect(() => oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', refreshToken: 'a', store: memoryStore('b') })).toThrow(TypeError);
  });

  it('sends a form-encoded refresh_token grant with client_id and scope', async () => {
    const fake = fakeFetch(() => json({ access_token: 'at', token_type: 'bearer', refresh_token: 'rt2' }));
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: 'https://as.example/token', clientId: 'spa', refreshToken: 'rt1', scope: 'read', fetch: fake.fetch });
    expect(await fetchToken(ctx())).toEqual({ token: 'at', serverTime: undefined });
    expect(fake.calls[0]!.url).toBe('https://as.example/token');
    expect(Object.fromEntries(fake.calls[0]!.body)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt1', client_id: 'spa', scope: 'read' });
    await fetchToken(ctx());
    expect(fake.calls[1]!.body.get('refresh_token')).toBe('rt2');
  });

  it('keeps the refresh token when the server does not rotate', async () => {
    const fake = fakeFetch(() => json({ access_token: 'at' }));
    const store = memoryStore('rt1');
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', store, fetch: fake.fetch });
    await fetchToken(ctx());
    await fetchToken(ctx());
    expect(fake.calls.map((call) => call.body.get('refresh_token'))).toEqual(['rt1', 'rt1']);
    expect(store.get()).toBe('rt1');
  });

  it.each([
    ['not JSON', () => new Response('oops', { status: 200 })],
    ['no access_token', () => json({ token_type: 'Bearer' })],
    ['access_token not a string', () => json({ access_token: 1 })],
    ['a DPoP token', () => json({ access_token: 'at', token_type: 'DPoP' })],
    ['an array', () => json([])],
  ])('throws InvalidTokenError(bad-response) for a 2xx that is %s', async (_name, respond) => {
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', refreshToken: 'rt', fetch: fakeFetch(respond).fetch });
    const error = await fetchToken(ctx()).catch((e: unknown) => e);
    expect(InvalidTokenError.is(error)).toBe(true);
    expect((error as InvalidTokenError).reason).toBe('bad-response');
  });

  it('stores a rotated refresh token even when the access token is unusable', async () => {
    const store = memoryStore('rt1');
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', store, fetch: fakeFetch(() => json({ refresh_token: 'rt2' })).fetch });
    await expect(fetchToken(ctx())).rejects.toMatchObject({ reason: 'bad-response' });
    expect(store.get()).toBe('rt2');
  });

  it('treats invalid_grant on 401 as signed out, other 401 errors as TokenFetchError', async () => {
    const store = memoryStore('rt');
    expect(await oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', store, fetch: fakeFetch(() => json({ error: 'invalid_grant' }, 401)).fetch })(ctx())).toBeNull();
    expect(store.get()).toBeNull();
    await expect(
      oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', refreshToken: 'rt', fetch: fakeFetch(() => json({ error: 'invalid_client' }, 401)).fetch })(ctx()),
    ).rejects.toMatchObject({ status: 401, message: expect.stringContaining('invalid_client') });
  });

  it('after invalid_grant, retries once with a token another process stored meanwhile', async () => {
    const store = memoryStore('old');
    const fake = fakeFetch((call) => {
      if (call.body.get('refresh_token') === 'old') {
        store.set('newer'); // another tab rotated while our request was out
        return json({ error: 'invalid_grant' }, 400);
      }
      return json({ access_token: 'at', refresh_token: 'newest' });
    });
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', store, fetch: fake.fetch });
    expect(await fetchToken(ctx())).toMatchObject({ token: 'at' });
    expect(fake.calls.map((call) => call.body.get('refresh_token'))).toEqual(['old', 'newer']);
    expect(store.get()).toBe('newest');
  });

  it('resolves null without a request when the store is empty', async () => {
    const fake = fakeFetch(() => json({ access_token: 'at' }));
    expect(await oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', store: memoryStore(null), fetch: fake.fetch })(ctx())).toBeNull();
    expect(fake.calls).toHaveLength(0);
  });

  it('abandons a refresh after rotationTimeout', async () => {
    vi.useFakeTimers();
    const fake = fakeFetch(
      (call) =>
        new Promise<Response>((_resolve, reject) => {
          call.signal?.addEventListener('abort', () => reject(call.signal?.reason));
        }),
    );
    const fetchToken = oauth2RefreshSource({ tokenEndpoint: 'https://x/token', clientId: 'c', refreshToken: 'rt', fetch: fake.fetch, rotationTimeout: 5_000 });
    const pending = fetchToken(ctx()).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await pending).toMatchObject({ name: 'TimeoutError' });
    // The flight is cleared: the next call sends a new request.
    void fetchToken(ctx()).catch(() => undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls).toHaveLength(2);
  });
});
