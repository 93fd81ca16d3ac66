import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rawRequest, startHarness, waitFor, type Harness } from './testHarness';

let h: Harness;

async function tokenFor(sessionId: string, cookie: string, template?: string, body?: unknown, origin?: string): Promise<Response> {
  const path = `/v1/client/sessions/${sessionId}/tokens${template ? `/${template}` : ''}`;
  return h.post(path, body, { cookie, ...(origin ? { origin } : {}) });
}

async function jwtOf(res: Response): Promise<string> {
  expect(res.status).toBe(200);
  const body = (await res.json()) as { jwt: string };
  expect(typeof body.jwt).toBe('string');
  return body.jwt;
}

describe('session tokens', () => {
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.server.close();
    expect(h.errors).toEqual([]);
  });

  it('signs in with an HttpOnly, SameSite=Lax cookie and a default user', async () => {
    const res = await h.post('/v1/client/sign_in');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ user_id: 'user_dev', organization_id: null });
    expect(body['session_id']).toMatch(/^sess_/);
    const cookie = res.headers.getSetCookie()[0] ?? '';
    expect(cookie).toMatch(/^__client=[\w-]+; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain('Path=/');
  });

  it('mints ES256 tokens that verify against the JWKS with every session claim', async () => {
    const { sessionId, cookie } = await h.signIn({ user_id: 'user_42', organization_id: 'org_a' });
    const jwt = await jwtOf(await tokenFor(sessionId, cookie, undefined, undefined, 'http://localhost:5173'));
    const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(jwt, jwks, { issuer: h.url, algorithms: ['ES256'] });
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload).toMatchObject({ sub: 'user_42', sid: sessionId, org_id: 'org_a', azp: 'http://localhost:5173', iss: h.server.issuer });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives each token its own jti', async () => {
    const { sessionId, cookie } = await h.signIn();
    const a = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie)));
    const b = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie)));
    expect(a.jti).not.toBe(b.jti);
  });

  it('omits azp without an Origin and org_id without an organization', async () => {
    const { sessionId, cookie } = await h.signIn();
    const claims = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie)));
    expect(claims).not.toHaveProperty('azp');
    expect(claims).not.toHaveProperty('org_id');
  });

  it('switches organization per request: a string picks one, null the personal workspace', async () => {
    const { sessionId, cookie } = await h.signIn({ organization_id: 'org_a' });
    expect(decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, undefined, { organization_id: 'org_b' })))['org_id']).toBe('org_b');
    expect(decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, undefined, { organization_id: null })))).not.toHaveProperty('org_id');
    expect(decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, undefined, {})))['org_id']).toBe('org_a');
  });

  it('sets aud from the requested audience', async () => {
    const { sessionId, cookie } = await h.signIn();
    expect(decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, undefined, { audience: 'api.example' }))).aud).toBe('api.example');
  });

  it('applies templates: extra claims and their own lifetime', async () => {
    const { sessionId, cookie } = await h.signIn();
    const supabase = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, 'supabase')));
    expect(supabase).toMatchObject({ role: 'authenticated', aud: 'authenticated', sub: 'user_dev' });
    expect(supabase.exp! - supabase.iat!).toBe(60);
    const short = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, 'short')));
    expect(short.exp! - short.iat!).toBe(10);
    const same = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, 'default')));
    expect(same.exp! - same.iat!).toBe(60);
  });

  it('refuses an unknown template with 400, not a signed-out status', async () => {
    const { sessionId, cookie } = await h.signIn();
    const res = await tokenFor(sessionId, cookie, 'nope');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'unknown_template' });
  });

  it('answers 401 JSON without a cookie, with another browser’s cookie, for unknown, ended and revoked sessions', async () => {
    const mine = await h.signIn();
    const other = await h.signIn();
    const expect401 = async (res: Response, code: string): Promise<void> => {
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: code, message: expect.any(String) });
    };
    await expect401(await tokenFor(mine.sessionId, ''), 'unauthenticated');
    await expect401(await tokenFor(mine.sessionId, '__client=forged'), 'unauthenticated');
    await expect401(await tokenFor(mine.sessionId, other.cookie), 'session_not_found');
    await expect401(await tokenFor('sess_unknown', mine.cookie), 'session_not_found');

    const end = await h.post(`/v1/client/sessions/${mine.sessionId}/end`, undefined, { cookie: mine.cookie });
    expect(await end.json()).toEqual({ session_id: mine.sessionId, status: 'ended' });
    await expect401(await tokenFor(mine.sessionId, mine.cookie), 'session_ended');

    expect((await h.post(`/__control/sessions/${other.sessionId}/revoke`)).status).toBe(200);
    await expect401(await tokenFor(other.sessionId, other.cookie), 'session_revoked');
  });

  it('keeps several sessions in one browser; ending one leaves the other', async () => {
    const first = await h.signIn({ user_id: 'a' });
    const second = await h.signIn({ user_id: 'b' }, first.cookie);
    // A known browser keeps its cookie; a second sign-in adds a session to it.
    expect(second.cookie).toBe(first.cookie);
    await h.post(`/v1/client/sessions/${first.sessionId}/end`, undefined, { cookie: first.cookie });
    expect(decodeJwt(await jwtOf(await tokenFor(second.sessionId, first.cookie))).sub).toBe('b');
  });

  it('accepts an empty body and refuses malformed JSON and wrongly typed fields with 400', async () => {
    const { sessionId, cookie } = await h.signIn();
    expect((await tokenFor(sessionId, cookie, undefined, '')).status).toBe(200);
    const bad = await tokenFor(sessionId, cookie, undefined, '{"organization_id":');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_json' });
    expect((await tokenFor(sessionId, cookie, undefined, { organization_id: 5 })).status).toBe(400);
    expect((await tokenFor(sessionId, cookie, undefined, '[1]')).status).toBe(400);
    expect((await h.post('/v1/client/sign_in', { user_id: '' })).status).toBe(400);
  });
});

describe('clock and Date header', () => {
  afterEach(async () => {
    await h.server.close();
  });

  it('uses the injected clock for iat/nbf/exp and the Date header', async () => {
    let now = Date.UTC(2030, 0, 1, 12, 0, 0, 500);
    h = await startHarness({ now: () => now });
    const { sessionId, cookie } = await h.signIn();
    const res = await tokenFor(sessionId, cookie);
    expect(Date.parse(res.headers.get('date')!)).toBe(Date.UTC(2030, 0, 1, 12, 0, 0));
    const claims = decodeJwt(await jwtOf(res));
    expect(claims.iat).toBe(Date.UTC(2030, 0, 1, 12, 0, 0) / 1000);
    expect(claims.exp).toBe(claims.iat! + 60);
    now += 90_000;
    const later = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie)));
    expect(later.iat).toBe(claims.iat! + 90);
    // The token verifies at the server's notion of now.
    const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const jwt = await jwtOf(await tokenFor(sessionId, cookie));
    await expect(jwtVerify(jwt, jwks, { currentDate: new Date(now) })).resolves.toBeTruthy();
  });

  it('honours ttl and template overrides', async () => {
    h = await startHarness({ ttl: 120, templates: { supabase: { ttl: 30 }, hasura: { ttl: 15, claims: { 'https://hasura.io/jwt/claims': { 'x-hasura-default-role': 'user' } } } } });
    const { sessionId, cookie } = await h.signIn();
    const def = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie)));
    expect(def.exp! - def.iat!).toBe(120);
    const supabase = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, 'supabase')));
    expect(supabase.exp! - supabase.iat!).toBe(30);
    expect(supabase['role']).toBe('authenticated');
    const hasura = decodeJwt(await jwtOf(await tokenFor(sessionId, cookie, 'hasura')));
    expect(hasura.exp! - hasura.iat!).toBe(15);
    expect(hasura['https://hasura.io/jwt/claims']).toEqual({ 'x-hasura-default-role': 'user' });
  });

  it('refuses templates that set reserved claims or a bad ttl', async () => {
    const { startDevServer } = await import('./server');
    await expect(startDevServer({ templates: { evil: { claims: { sub: 'admin' } } } })).rejects.toThrow(/reserved claim "sub"/);
    await expect(startDevServer({ templates: { zero: { ttl: 0 } } })).rejects.toThrow(/ttl/);
    await expect(startDevServer({ ttl: 1.5 })).rejects.toThrow(/ttl/);
    h = await startHarness();
  });
});

describe('HTTP surface', () => {
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.server.close();
    expect(h.errors).toEqual([]);
  });

  it('answers unknown routes 404 and wrong methods 405 with Allow, as JSON', async () => {
    const missing = await h.get('/v1/nothing');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: expect.any(String) });
    const wrong = await h.get('/v1/client/sign_in');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(await wrong.json()).toMatchObject({ error: 'method_not_allowed' });
    const wrongControl = await fetch(`${h.url}/__control/faults`, { method: 'DELETE' });
    expect(wrongControl.status).toBe(405);
    expect(wrongControl.headers.get('allow')).toBe('GET, POST');
  });

  it('refuses bodies over 16 KiB with 413', async () => {
    const big = JSON.stringify({ user_id: 'x'.repeat(17 * 1024) });
    const res = await rawRequest(h.url, { method: 'POST', path: '/v1/client/sign_in', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'payload_too_large' });
    // Chunked (no Content-Length): refused while streaming.
    const chunked = await fetch(`${h.url}/v1/client/sign_in`, {
      method: 'POST',
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    // The server is still fine.
    expect((await h.post('/v1/client/sign_in')).status).toBe(200);
  });

  it('answers 400 for a malformed escape in a path parameter', async () => {
    const res = await rawRequest(h.url, { method: 'POST', path: '/v1/client/sessions/%E0%A4%A/tokens' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_request' });
  });

  it('serves the JWKS and discovery metadata', async () => {
    const jwks = (await (await h.get('/.well-known/jwks.json')).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const meta = (await (await h.get('/.well-known/openid-configuration')).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ issuer: h.url, token_endpoint: `${h.url}/oauth/token`, jwks_uri: `${h.url}/.well-known/jwks.json` });
    expect((await h.get('/')).status).toBe(200);
  });

  it('reflects allowed origins with credentials and exposes Date and Retry-After', async () => {
    const allowed = await h.post('/v1/client/sign_in', undefined, { origin: 'http://127.0.0.1:5173' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:5173');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    expect(allowed.headers.get('access-control-expose-headers')).toMatch(/Date.*Retry-After/);
    expect(allowed.headers.get('vary')).toContain('Origin');
    const foreign = await h.post('/v1/client/sign_in', undefined, { origin: 'https://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${h.url}/v1/client/sessions/sess_x/tokens/supabase`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type');
    expect((await fetch(`${h.url}/nowhere`, { method: 'OPTIONS' })).status).toBe(404);
  });

  it('limits CORS to the corsOrigins list when given', async () => {
    const custom = await startHarness({ corsOrigins: ['https://app.example'] });
    try {
      const ok = await custom.post('/v1/client/sign_in', undefined, { origin: 'https://app.example' });
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example');
      const local = await custom.post('/v1/client/sign_in', undefined, { origin: 'http://localhost:5173' });
      expect(local.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await custom.server.close();
    }
  });

  it('close() finishes while a request hangs, and is idempotent', async () => {
    const { sessionId, cookie } = await h.signIn();
    await h.setFaults({ hang: true });
    const pending = tokenFor(sessionId, cookie).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(async () => (await h.stats()).byEndpoint['session-token'] === 1);
    await Promise.all([h.server.close(), h.server.close()]);
    expect(await pending).toBe('failed');
  });
});
