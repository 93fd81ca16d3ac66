import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../../devserver/src/index';
import { InvalidTokenError, TokenFetchError } from '../errors';
import type { FetchTokenContext, FetchTokenResult } from '../types';
import { httpTokenSource } from './httpTokenSource';

const ctx = (key: Omit<FetchTokenContext, 'signal'> = {}, signal = new AbortController().signal): FetchTokenContext => ({ ...key, signal });

function tokenOf(result: FetchTokenResult): string {
  if (result === null || typeof result === 'string') throw new Error(`expected { token }, got ${String(result)}`);
  return result.token;
}

describe('httpTokenSource against the devserver', () => {
  let server: DevServer;
  let sessionId: string;
  let cookie: string;
  const source = (overrides: { headers?: HeadersInit; sessionId?: string } = {}) =>
    httpTokenSource({ baseUrl: `${server.url}/`, sessionId: overrides.sessionId ?? sessionId, headers: overrides.headers ?? { cookie } });
  const faults = (patch: Record<string, unknown>) => server.control.faults(patch);

  beforeAll(async () => {
    server = await startDevServer({ onError: (error) => console.error(error) });
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    server.control.reset();
    ({ sessionId, cookie } = server.control.signIn({ userId: 'user_src', organizationId: 'org_home' }));
  });

  it('resolves a token that verifies against the JWKS, with the server time', async () => {
    const before = Date.now();
    const result = await source()(ctx());
    const jwks = createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(tokenOf(result), jwks, { issuer: server.issuer });
    expect(payload).toMatchObject({ sub: 'user_src', sid: sessionId, org_id: 'org_home' });
    const serverTime = (result as { serverTime?: number }).serverTime!;
    // The Date header has whole seconds.
    expect(serverTime).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(serverTime).toBeLessThanOrEqual(Date.now());
  });

  it('asks for the template, organization and audience of the key', async () => {
    const supabase = decodeJwt(tokenOf(await source()(ctx({ template: 'supabase' }))));
    expect(supabase['role']).toBe('authenticated');
    expect(decodeJwt(tokenOf(await source()(ctx({ organizationId: 'org_other' }))))['org_id']).toBe('org_other');
    expect(decodeJwt(tokenOf(await source()(ctx({ organizationId: null }))))).not.toHaveProperty('org_id');
    expect(decodeJwt(tokenOf(await source()(ctx({ audience: 'api' })))).aud).toBe('api');
    expect(server.control.stats().byTemplate).toEqual({ supabase: 1, default: 3 });
  });

  it('reports the skewed server clock through serverTime', async () => {
    faults({ clockOffsetMs: 600_000 });
    const result = (await source()(ctx())) as { token: string; serverTime: number };
    expect(result.serverTime - Date.now()).toBeGreaterThan(590_000);
    expect(decodeJwt(result.token).iat! * 1000 - Date.now()).toBeGreaterThan(590_000);
  });

  it('resolves null when signed out: no cookie, unknown, ended or revoked session', async () => {
    expect(await source({ headers: {} })(ctx())).toBeNull();
    expect(await source({ sessionId: 'sess_unknown' })(ctx())).toBeNull();
    server.control.revoke(sessionId);
    expect(await source()(ctx())).toBeNull();
  });

  it.each([401, 403, 404, 422])('maps %i to null', async (status) => {
    faults({ errorRate: 1, errorStatus: status });
    expect(await source()(ctx())).toBeNull();
  });

  it('throws TokenFetchError with retryAfter (ms) for 429', async () => {
    faults({ rateLimitRate: 1, retryAfterSeconds: 7 });
    const error = await source()(ctx()).catch((e: unknown) => e);
    expect(TokenFetchError.is(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, retryAfter: 7_000 });
    expect((error as Error).message).toContain('rate_limited');
  });

  it('throws TokenFetchError for 5xx, with retryAfter only when the server sent one', async () => {
    faults({ errorRate: 1 });
    await expect(source()(ctx())).rejects.toMatchObject({ name: 'TokenFetchError', status: 503, retryAfter: 2_000 });
    faults({ errorStatus: 500 });
    await expect(source()(ctx())).rejects.toMatchObject({ status: 500, retryAfter: undefined });
  });

  it('throws TokenFetchError for other 4xx (an unknown template is a configuration error)', async () => {
    await expect(source()(ctx({ template: 'nope' }))).rejects.toMatchObject({ name: 'TokenFetchError', status: 400 });
  });

  it('lets a dropped connection reject with fetch’s TypeError, unchanged', async () => {
    faults({ dropRate: 1 });
    await expect(source()(ctx())).rejects.toBeInstanceOf(TypeError);
  });

  it('passes the signal: aborting a hung request rejects with the abort reason', async () => {
    faults({ hang: true });
    const controller = new AbortController();
    const pending = source()(ctx({}, controller.signal));
    const reason = new Error('attempt timed out');
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });
});

describe('httpTokenSource with a fake fetch', () => {
  type Call = { url: string; init: RequestInit };
  function fakeFetch(respond: (call: Call) => Response): { fetch: typeof fetch; calls: Call[] } {
    const calls: Call[] = [];
    const impl = (async (url: string | URL | Request, init?: RequestInit) => {
      const call = { url: String(url), init: init ?? {} };
      calls.push(call);
      return respond(call);
    }) as typeof fetch;
    return { fetch: impl, calls };
  }
  const json = (body: unknown, init: ResponseInit = {}) => new Response(JSON.stringify(body), { status: 200, ...init, headers: { 'content-type': 'application/json', ...init.headers } });

  it('posts to the session (and template) path with credentials, and no body when nothing to say', async () => {
    const fake = fakeFetch(() => json({ jwt: 'a.b.c' }));
    const fetchToken = httpTokenSource({ baseUrl: 'https://fapi.example/', sessionId: 'sess 1', fetch: fake.fetch, headers: { 'x-extra': '1' } });
    const signal = new AbortController().signal;
    expect(await fetchToken({ signal })).toEqual({ token: 'a.b.c', serverTime: undefined });
    await fetchToken({ signal, template: 'a/b', organizationId: null, audience: 'aud' });
    const [plain, templated] = fake.calls as [Call, Call];
    expect(plain.url).toBe('https://fapi.example/v1/client/sessions/sess%201/tokens');
    expect(plain.init).toMatchObject({ method: 'POST', credentials: 'include', signal, body: undefined });
    expect(new Headers(plain.init.headers).get('content-type')).toBeNull();
    expect(new Headers(plain.init.headers).get('x-extra')).toBe('1');
    expect(templated.url).toBe('https://fapi.example/v1/client/sessions/sess%201/tokens/a%2Fb');
    expect(JSON.parse(templated.init.body as string)).toEqual({ organization_id: null, audience: 'aud' });
    expect(new Headers(templated.init.headers).get('content-type')).toBe('application/json');
  });

  it('reads serverTime from the Date header and ignores an unreadable one', async () => {
    const date = 'Wed, 01 Jan 2031 00:00:00 GMT';
    const withDate = httpTokenSource({ baseUrl: 'https://x', sessionId: 's', fetch: fakeFetch(() => json({ jwt: 't' }, { headers: { date } })).fetch });
    expect(await withDate({ signal: new AbortController().signal })).toEqual({ token: 't', serverTime: Date.parse(date) });
    const bad = httpTokenSource({ baseUrl: 'https://x', sessionId: 's', fetch: fakeFetch(() => json({ jwt: 't' }, { headers: { date: 'soon' } })).fetch });
    expect(await bad({ signal: new AbortController().signal })).toEqual({ token: 't', serverTime: undefined });
  });

  it.each([
    ['not JSON', () => new Response('<html>', { status: 200 })],
    ['empty', () => new Response('', { status: 200 })],
    ['no jwt', () => json({ token: 'x' })],
    ['jwt not a string', () => json({ jwt: 42 })],
    ['empty jwt', () => json({ jwt: '' })],
    ['null body', () => json(null)],
  ])('throws InvalidTokenError(bad-response) for a 2xx body that is %s', async (_name, respond) => {
    const fetchToken = httpTokenSource({ baseUrl: 'https://x', sessionId: 's', fetch: fakeFetch(respond).fetch });
    const error = await fetchToken({ signal: new AbortController().signal }).catch((e: unknown) => e);
    expect(InvalidTokenError.is(error)).toBe(true);
    expect((error as InvalidTokenError).reason).toBe('bad-response');
  });

  it('never puts response text (which may echo a token) in an error message', async () => {
    const secret = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    for (const respond of [() => json({ error: secret, message: secret }, { status: 500 }), () => json({ jwt: 7, echo: secret })]) {
      const fetchToken = httpTokenSource({ baseUrl: 'https://x', sessionId: 's', fetch: fakeFetch(respond).fetch });
      const error = (await fetchToken({ signal: new AbortController().signal }).catch((e: unknown) => e)) as Error;
      expect(error.message).not.toContain(secret);
      expect(JSON.stringify(error)).not.toContain(secret);
    }
  });

  it('measures an HTTP-date Retry-After against the server’s Date', async () => {
    const headers = { date: 'Wed, 01 Jan 2031 00:00:00 GMT', 'retry-after': 'Wed, 01 Jan 2031 00:00:30 GMT' };
    const fetchToken = httpTokenSource({ baseUrl: 'https://x', sessionId: 's', fetch: fakeFetch(() => json({ error: 'busy' }, { status: 503, headers })).fetch });
    await expect(fetchToken({ signal: new AbortController().signal })).rejects.toMatchObject({ status: 503, retryAfter: 30_000 });
  });

  it('uses the global fetch looked up at call time by default', async () => {
    const original = globalThis.fetch;
    const fake = fakeFetch(() => json({ jwt: 'late' }));
    const fetchToken = httpTokenSource({ baseUrl: 'https://x', sessionId: 's' });
    globalThis.fetch = fake.fetch;
    try {
      expect(await fetchToken({ signal: new AbortController().signal })).toMatchObject({ token: 'late' });
    } finally {
      globalThis.fetch = original;
    }
  });
});
