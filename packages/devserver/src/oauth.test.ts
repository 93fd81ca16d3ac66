import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './testHarness';

let h: Harness;

interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function refresh(params: Record<string, string>, init: { json?: boolean; headers?: Record<string, string> } = {}): Promise<TokenAnswer> {
  const res = await fetch(`${h.url}/oauth/token`, {
    method: 'POST',
    headers: { ...(init.json ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.json ? JSON.stringify(params) : new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function grant(body: Record<string, string> = {}): Promise<{ refresh_token: string; family_id: string }> {
  const res = await h.post('/__control/oauth/grant', body);
  expect(res.status).toBe(200);
  return (await res.json()) as { refresh_token: string; family_id: string };
}

const rt = (refresh_token: string, client_id = 'tokenwarden-dev'): Record<string, string> => ({ grant_type: 'refresh_token', refresh_token, client_id });

describe('POST /oauth/token (refresh_token grant)', () => {
  beforeEach(async () => {
    h = await startHarness({ ttl: 90 });
  });
  afterEach(async () => {
    await h.server.close();
    expect(h.errors).toEqual([]);
  });

  it('answers an RFC 6749 token response with a verifiable ES256 access token', async () => {
    const { refresh_token, family_id } = await grant({ user_id: 'user_7' });
    const answer = await refresh(rt(refresh_token));
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 90, access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.headers.get('pragma')).toBe('no-cache');
    expect(Number.isNaN(Date.parse(answer.headers.get('date')!))).toBe(false);
    const jwks = createRemoteJWKSet(new URL(`${h.url}/.well-known/jwks.json`));
    const { payload } = await jwtVerify(answer.body['access_token'] as string, jwks, { issuer: h.url });
    expect(payload).toMatchObject({ sub: 'user_7', sid: family_id, client_id: 'tokenwarden-dev' });
    expect(payload.exp! - payload.iat!).toBe(90);
  });

  it('rotates on every use; each new refresh token works once', async () => {
    let { refresh_token: current } = await grant();
    const seen = new Set([current]);
    for (let i = 0; i < 5; i++) {
      const answer = await refresh(rt(current));
      expect(answer.status).toBe(200);
      current = answer.body['refresh_token'] as string;
      expect(seen.has(current)).toBe(false);
      seen.add(current);
    }
    const sessions = (await (await h.get('/__control/sessions')).json()) as { sessions: { kind: string; rotations: number; status: string }[] };
    expect(sessions.sessions.find((s) => s.kind === 'oauth')).toMatchObject({ rotations: 5, status: 'active' });
  });

  it('reuse of a rotated token revokes the whole family, for that and every later use', async () => {
    const { refresh_token: first } = await grant();
    const second = (await refresh(rt(first))).body['refresh_token'] as string;
    const third = (await refresh(rt(second))).body['refresh_token'] as string;

    const reuse = await refresh(rt(first));
    expect(reuse.status).toBe(400);
    expect(reuse.body).toMatchObject({ error: 'invalid_grant', error_description: expect.any(String) });
    // The newest token of the family is dead too, and stays dead.
    expect((await refresh(rt(third))).body['error']).toBe('invalid_grant');
    expect((await refresh(rt(third))).body['error']).toBe('invalid_grant');
    const sessions = (await (await h.get('/__control/sessions')).json()) as { sessions: Record<string, unknown>[] };
    expect(sessions.sessions[0]).toMatchObject({ kind: 'oauth', status: 'revoked', revoked_reason: 'reuse' });
    // Other families are unaffected.
    const other = await grant();
    expect((await refresh(rt(other.refresh_token))).status).toBe(200);
  });

  it('a family revoked through the control API answers invalid_grant', async () => {
    const { refresh_token, family_id } = await grant();
    expect(await (await h.post(`/__control/sessions/${family_id}/revoke`)).json()).toMatchObject({ id: family_id, status: 'revoked', revoked_reason: 'control' });
    expect((await refresh(rt(refresh_token))).body['error']).toBe('invalid_grant');
  });

  it('accepts JSON bodies and HTTP Basic client authentication', async () => {
    const { refresh_token } = await grant({ client_id: 'spa' });
    const viaJson = await refresh(rt(refresh_token, 'spa'), { json: true });
    expect(viaJson.status).toBe(200);
    const next = viaJson.body['refresh_token'] as string;
    const basic = `Basic ${Buffer.from('spa:secret').toString('base64')}`;
    const viaBasic = await refresh({ grant_type: 'refresh_token', refresh_token: next }, { headers: { authorization: basic } });
    expect(viaBasic.status).toBe(200);
  });

  it.each([
    [{ refresh_token: 'x', client_id: 'c' }, 'invalid_request'],
    [{ grant_type: 'password', refresh_token: 'x', client_id: 'c' }, 'unsupported_grant_type'],
    [{ grant_type: 'refresh_token', client_id: 'c' }, 'invalid_request'],
    [{ grant_type: 'refresh_token', refresh_token: 'x' }, 'invalid_request'],
    [{ grant_type: 'refresh_token', refresh_token: 'rt_unknown', client_id: 'c' }, 'invalid_grant'],
  ])('%j -> 400 %s', async (params, error) => {
    const answer = await refresh(params);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error, error_description: expect.any(String), message: expect.any(String) });
  });

  it('refuses repeated parameters and malformed JSON with invalid_request', async () => {
    const repeated = await fetch(`${h.url}/oauth/token`, { method: 'POST', body: 'grant_type=refresh_token&grant_type=refresh_token' });
    expect(repeated.status).toBe(400);
    expect(await repeated.json()).toMatchObject({ error: 'invalid_request' });
    const badJson = await fetch(`${h.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(await badJson.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('a token issued to another client is invalid_grant and does not burn the family', async () => {
    const { refresh_token } = await grant({ client_id: 'a' });
    expect((await refresh(rt(refresh_token, 'b'))).body['error']).toBe('invalid_grant');
    expect((await refresh(rt(refresh_token, 'a'))).status).toBe(200);
  });

  it('scope may narrow but not widen the grant; a refused scope leaves the token usable', async () => {
    const { refresh_token } = await grant({ scope: 'read write' });
    const widened = await refresh({ ...rt(refresh_token), scope: 'read admin' });
    expect(widened.status).toBe(400);
    expect(widened.body['error']).toBe('invalid_scope');
    const narrowed = await refresh({ ...rt(refresh_token), scope: 'read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body['scope']).toBe('read');
  });

  it('counts requests per endpoint and per family', async () => {
    const { refresh_token, family_id } = await grant();
    await refresh(rt(refresh_token));
    await refresh(rt(refresh_token));
    const stats = await h.stats();
    expect(stats.byEndpoint['oauth-token']).toBe(2);
    expect(stats.bySession[family_id]).toBe(2);
  });
});
