import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../../packages/devserver/src/index';
import { DevserverError, createDevserverApi } from './devserverApi';

// Against the real devserver: the page's calls must match its routes and bodies exactly.
describe('createDevserverApi (real devserver)', () => {
  let server: DevServer;
  beforeAll(async () => {
    server = await startDevServer({ port: 0, ttl: 10, onError: () => undefined });
  });
  afterAll(async () => {
    await server.close();
  });

  it('signs in, revokes, and reports a refused call with its status', async () => {
    const api = createDevserverApi(server.url);
    const session = await api.signIn('user_e2e');
    expect(session.userId).toBe('user_e2e');
    expect(session.sessionId).toMatch(/^sess_/);
    await api.revokeSession(session.sessionId);
    expect(server.control.sessions().find((s) => s.id === session.sessionId)?.status).toBe('revoked');
    // Node's fetch keeps no cookies, so ending the session is refused like an unknown one.
    const refused = await api.endSession(session.sessionId).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DevserverError);
    expect((refused as DevserverError).status).toBe(401);
  });

  it('sets and resets faults without zeroing the request counters', async () => {
    const api = createDevserverApi(server.url);
    const { sessionId, cookie } = server.control.signIn();
    await fetch(`${server.url}/v1/client/sessions/${sessionId}/tokens`, { method: 'POST', headers: { cookie } });
    expect(await api.setFaults({ errorRate: 1, clockOffsetMs: 120_000 })).toMatchObject({ errorRate: 1, clockOffsetMs: 120_000 });
    expect((await api.faults()).errorRate).toBe(1);
    expect(await api.resetFaults()).toMatchObject({ errorRate: 0, clockOffsetMs: 0, dropRate: 0, latencyMs: 0 });
    expect((await api.stats()).bySession[sessionId]).toBe(1);
  });

  it('does not send a call while the browser is offline', async () => {
    let online = false;
    const sent: string[] = [];
    const api = createDevserverApi(server.url, (input, init) => {
      sent.push(String(input));
      return fetch(input, init);
    }, () => online);
    const refused = await api.setFaults({ latencyMs: 5 }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DevserverError);
    expect(refused).toMatchObject({ status: 0, message: 'faults not sent: the browser is offline' });
    expect(sent).toEqual([]);
    online = true;
    expect((await api.faults()).latencyMs).toBe(0);
    expect(sent).toHaveLength(1);
  });
});
