import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_FAULTS, parseFaultPatch } from './faults';
import { HttpError } from './http';
import { startHarness, waitFor, type Harness } from './testHarness';

describe('parseFaultPatch', () => {
  it('accepts a partial update', () => {
    expect(parseFaultPatch({ errorRate: 0.5, hang: false, retryAfterSeconds: null, clockOffsetMs: -120_000 })).toEqual({
      errorRate: 0.5,
      hang: false,
      retryAfterSeconds: null,
      clockOffsetMs: -120_000,
    });
    expect(parseFaultPatch({})).toEqual({});
  });

  it.each([
    [{ errorRate: 2 }, /errorRate/],
    [{ dropRate: -0.1 }, /dropRate/],
    [{ latencyMs: 1.5 }, /latencyMs/],
    [{ errorStatus: 200 }, /errorStatus/],
    [{ hang: 'yes' }, /hang/],
    [{ unknown: 1 }, /Unknown fault "unknown"/],
    [[], /object/],
    [null, /object/],
  ])('refuses %j with a 400 naming the problem', (patch, message) => {
    let thrown: unknown;
    try {
      parseFaultPatch(patch);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(HttpError);
    expect((thrown as HttpError).status).toBe(400);
    expect((thrown as HttpError).message).toMatch(message);
  });
});

describe('fault injection on token endpoints', () => {
  let h: Harness;
  let session: { sessionId: string; cookie: string };
  const token = (): Promise<Response> => h.post(`/v1/client/sessions/${session.sessionId}/tokens`, undefined, { cookie: session.cookie });

  beforeEach(async () => {
    h = await startHarness();
    session = await h.signIn();
  });
  afterEach(async () => {
    await h.server.close();
    expect(h.errors).toEqual([]);
  });

  it('GET /__control/faults shows the defaults, POST merges a partial update', async () => {
    expect(await (await h.get('/__control/faults')).json()).toEqual(DEFAULT_FAULTS);
    const updated = await h.post('/__control/faults', { errorRate: 0.25 });
    expect(await updated.json()).toEqual({ ...DEFAULT_FAULTS, errorRate: 0.25 });
    const refused = await h.post('/__control/faults', { errorRate: 'lots' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('errorRate answers errorStatus (503 with Retry-After by default)', async () => {
    await h.setFaults({ errorRate: 1 });
    const res = await token();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toMatchObject({ error: 'injected_fault' });
    await h.setFaults({ errorStatus: 500 });
    const plain = await token();
    expect(plain.status).toBe(500);
    expect(plain.headers.get('retry-after')).toBeNull();
  });

  it('errorStatus may be a 4xx, to play a signed-out or broken endpoint', async () => {
    for (const status of [401, 403, 404, 422, 400]) {
      await h.setFaults({ errorRate: 1, errorStatus: status });
      expect((await token()).status).toBe(status);
    }
  });

  it('rateLimitRate answers 429 with Retry-After, configurable or absent', async () => {
    await h.setFaults({ rateLimitRate: 1, retryAfterSeconds: 7 });
    const res = await token();
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toMatchObject({ error: 'rate_limited' });
    await h.setFaults({ retryAfterSeconds: null });
    expect((await token()).headers.get('retry-after')).toBeNull();
  });

  it('failNext fails exactly the next N token requests', async () => {
    await h.setFaults({ failNext: 2, errorStatus: 502 });
    expect((await token()).status).toBe(502);
    expect((await token()).status).toBe(502);
    expect((await token()).status).toBe(200);
    expect(((await (await h.get('/__control/faults')).json()) as { failNext: number }).failNext).toBe(0);
  });

  it('dropRate destroys the socket without an answer (fetch sees a TypeError)', async () => {
    await h.setFaults({ dropRate: 1 });
    await expect(token()).rejects.toBeInstanceOf(TypeError);
    await h.setFaults({ dropRate: 0 });
    expect((await token()).status).toBe(200);
  });

  it('latencyMs delays the answer', async () => {
    await h.setFaults({ latencyMs: 120 });
    const started = performance.now();
    expect((await token()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('hang holds requests until hang is turned off, then answers them', async () => {
    await h.setFaults({ hang: true });
    let settled = false;
    const pending = token().then((res) => {
      settled = true;
      return res;
    });
    await waitFor(async () => (await h.stats()).byEndpoint['session-token'] === 1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    await h.setFaults({ hang: false });
    expect((await pending).status).toBe(200);
  });

  it('reset releases held requests too', async () => {
    await h.setFaults({ hang: true });
    const pending = token();
    await waitFor(async () => (await h.stats()).byEndpoint['session-token'] === 1);
    expect((await h.post('/__control/reset')).status).toBe(200);
    expect((await pending).status).toBe(200);
  });

  it('a client giving up on a held request does not disturb the server', async () => {
    await h.setFaults({ hang: true });
    const controller = new AbortController();
    const pending = fetch(`${h.url}/v1/client/sessions/${session.sessionId}/tokens`, {
      method: 'POST',
      headers: { cookie: session.cookie },
      signal: controller.signal,
    });
    await waitFor(async () => (await h.stats()).byEndpoint['session-token'] === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await h.setFaults({ hang: false });
    expect((await token()).status).toBe(200);
  });

  it('clockOffsetMs skews iat/nbf/exp and the Date header of token answers only', async () => {
    const now = Date.UTC(2031, 5, 1);
    const skewed = await startHarness({ now: () => now });
    try {
      const s = await skewed.signIn();
      await skewed.setFaults({ clockOffsetMs: 300_000 });
      const res = await skewed.post(`/v1/client/sessions/${s.sessionId}/tokens`, undefined, { cookie: s.cookie });
      expect(Date.parse(res.headers.get('date')!)).toBe(now + 300_000);
      const claims = decodeJwt(((await res.json()) as { jwt: string }).jwt);
      expect(claims.iat).toBe((now + 300_000) / 1000);
      expect(claims.nbf).toBe(claims.iat);
      expect(claims.exp).toBe(claims.iat! + 60);
      const control = await skewed.get('/__control/faults');
      expect(Date.parse(control.headers.get('date')!)).toBe(now);
      // Injected errors carry the skewed Date as well: clients learn the offset from any answer.
      await skewed.setFaults({ errorRate: 1 });
      const failed = await skewed.post(`/v1/client/sessions/${s.sessionId}/tokens`, undefined, { cookie: s.cookie });
      expect(Date.parse(failed.headers.get('date')!)).toBe(now + 300_000);
    } finally {
      await skewed.server.close();
    }
  });

  it('never applies to the control API, the JWKS or sign-in', async () => {
    await h.setFaults({ errorRate: 1, dropRate: 1, rateLimitRate: 1 });
    expect((await h.get('/.well-known/jwks.json')).status).toBe(200);
    expect((await h.get('/__control/stats')).status).toBe(200);
    expect((await h.post('/v1/client/sign_in')).status).toBe(200);
    expect((await h.post('/__control/oauth/grant')).status).toBe(200);
  });

  it('applies to /oauth/token as well', async () => {
    const { refresh_token } = (await (await h.post('/__control/oauth/grant')).json()) as { refresh_token: string };
    await h.setFaults({ rateLimitRate: 1 });
    const res = await fetch(`${h.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token, client_id: 'tokenwarden-dev' }),
    });
    expect(res.status).toBe(429);
  });

  it('rolls each rate with the injected randomness', async () => {
    const rolls = [0.1, 0.9, 0.1, 0.9];
    const seeded = await startHarness({ random: () => rolls.shift() ?? 0.9 });
    try {
      const s = await seeded.signIn();
      await seeded.setFaults({ errorRate: 0.5 });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await seeded.post(`/v1/client/sessions/${s.sessionId}/tokens`, undefined, { cookie: s.cookie })).status);
      expect(statuses).toEqual([503, 200, 503, 200]);
    } finally {
      await seeded.server.close();
    }
  });
});
