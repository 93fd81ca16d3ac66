import { networkInterfaces } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLoopbackAddress } from './loopback';
import { startDevServer } from './server';
import { startHarness, type Harness } from './testHarness';

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3'])('%s is loopback', (address) => {
    expect(isLoopbackAddress(address)).toBe(true);
  });
  it.each(['192.168.1.10', '10.0.0.1', '::2', 'fe80::1', '::ffff:10.0.0.1', '128.0.0.1', '0.0.0.0', '::', 'localhost', '', undefined])('%s is not', (address) => {
    expect(isLoopbackAddress(address)).toBe(false);
  });
});

/** A non-loopback address of this machine, if it has one (CI containers usually do). */
function externalIPv4(): string | undefined {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && !entry.internal) return entry.address;
  }
  return undefined;
}

describe('control API access', () => {
  const external = externalIPv4();

  it.skipIf(!external)('answers 403 to a request arriving over a non-loopback interface', async () => {
    const server = await startDevServer({ host: '0.0.0.0' });
    try {
      const remote = `http://${external}:${server.port}`;
      for (const path of ['/__control/faults', '/__control/stats', '/__control/nothing', '/__control']) {
        const res = await fetch(remote + path);
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ error: 'forbidden' });
      }
      expect((await fetch(`${remote}/__control/reset`, { method: 'POST' })).status).toBe(403);
      // The public API still answers there.
      expect((await fetch(`${remote}/.well-known/jwks.json`)).status).toBe(200);
      // And loopback still gets the control API.
      expect((await fetch(`${server.url}/__control/faults`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('stats, sessions and reset', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.server.close();
    expect(h.errors).toEqual([]);
  });

  it('counts token requests as received, faulted and refused ones included', async () => {
    const a = await h.signIn();
    const b = await h.signIn();
    await h.post(`/v1/client/sessions/${a.sessionId}/tokens`, undefined, { cookie: a.cookie });
    await h.post(`/v1/client/sessions/${a.sessionId}/tokens/supabase`, undefined, { cookie: a.cookie });
    await h.post(`/v1/client/sessions/${b.sessionId}/tokens`); // 401: no cookie
    await h.setFaults({ errorRate: 1 });
    await h.post(`/v1/client/sessions/${b.sessionId}/tokens/short`, undefined, { cookie: b.cookie }); // 503
    await h.post(`/v1/client/sessions/${b.sessionId}/end`, undefined, { cookie: b.cookie });
    expect(await h.stats()).toEqual({
      total: 7,
      byEndpoint: { 'sign-in': 2, 'session-token': 4, 'session-end': 1 },
      bySession: { [a.sessionId]: 2, [b.sessionId]: 3 },
      byTemplate: { default: 2, supabase: 1, short: 1 },
    });
    // Control requests are never counted.
    await h.get('/__control/stats');
    expect((await h.stats()).total).toBe(7);
  });

  it('POST /__control/stats/reset zeroes the counters and keeps faults', async () => {
    await h.signIn();
    await h.setFaults({ latencyMs: 5 });
    expect(await (await h.post('/__control/stats/reset')).json()).toEqual({ total: 0, byEndpoint: {}, bySession: {}, byTemplate: {} });
    expect(((await (await h.get('/__control/faults')).json()) as { latencyMs: number }).latencyMs).toBe(5);
  });

  it('POST /__control/reset restores default faults and zeroes counters, keeping sessions', async () => {
    const s = await h.signIn();
    await h.setFaults({ errorRate: 1, clockOffsetMs: 1000 });
    const res = await h.post('/__control/reset');
    expect(await res.json()).toMatchObject({ faults: { errorRate: 0, clockOffsetMs: 0 }, stats: { total: 0 } });
    expect((await h.post(`/v1/client/sessions/${s.sessionId}/tokens`, undefined, { cookie: s.cookie })).status).toBe(200);
  });

  it('lists sessions and refresh-token families; revoking an unknown id is 404', async () => {
    const s = await h.signIn({ user_id: 'ann', organization_id: 'org_1' });
    const { family_id } = (await (await h.post('/__control/oauth/grant', { user_id: 'bob', client_id: 'cli' })).json()) as { family_id: string };
    const { sessions } = (await (await h.get('/__control/sessions')).json()) as { sessions: Record<string, unknown>[] };
    expect(sessions).toEqual([
      { id: s.sessionId, kind: 'session', user_id: 'ann', organization_id: 'org_1', status: 'active', created_at: expect.any(Number), ended_at: null },
      { id: family_id, kind: 'oauth', user_id: 'bob', client_id: 'cli', status: 'active', created_at: expect.any(Number), rotations: 0, revoked_reason: null },
    ]);
    const revoked = await h.post(`/__control/sessions/${s.sessionId}/revoke`);
    expect(await revoked.json()).toMatchObject({ id: s.sessionId, status: 'revoked', ended_at: expect.any(Number) });
    const unknown = await h.post('/__control/sessions/sess_nope/revoke');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'session_not_found' });
  });

  it('offers the same controls in-process', async () => {
    const control = h.server.control;
    const { sessionId, cookie } = control.signIn({ userId: 'carol' });
    expect(control.faults({ failNext: 1 }).failNext).toBe(1);
    expect((await h.post(`/v1/client/sessions/${sessionId}/tokens`, undefined, { cookie })).status).toBe(503);
    expect((await h.post(`/v1/client/sessions/${sessionId}/tokens`, undefined, { cookie })).status).toBe(200);
    expect(control.stats().bySession[sessionId]).toBe(2);
    control.revoke(sessionId);
    expect((await h.post(`/v1/client/sessions/${sessionId}/tokens`, undefined, { cookie })).status).toBe(401);
    const { refreshToken, familyId } = control.grant({ clientId: 'x' });
    expect(refreshToken).toMatch(/^rt_/);
    expect(control.sessions().map((s) => s.id)).toEqual([sessionId, familyId]);
    control.reset();
    expect(control.stats().total).toBe(0);
  });
});
