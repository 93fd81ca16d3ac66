import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseHost } from './requestGuard';
import { rawRequest, startHarness, type Harness } from './testHarness';

/**
 * What a web page the developer happens to visit can do to the devserver, over real HTTP: a
 * cross-site simple POST (CSRF) and a rebound DNS name (any Host). `rawRequest` sends the headers
 * a browser would, `Host` included, which `fetch` does not let a caller set.
 */
describe('devserver against other web pages', () => {
  let h: Harness;
  let host: string;
  beforeEach(async () => {
    h = await startHarness();
    host = new URL(h.url).host;
  });
  afterEach(async () => {
    await h.server.close();
    expect(h.errors).toEqual([]);
  });

  const send = (method: string, path: string, headers: Record<string, string>, body?: string) =>
    rawRequest(h.url, { method, path, headers: { host, ...headers }, body });

  describe('CSRF on the control API', () => {
    it('refuses a cross-site text/plain POST to /__control/faults and changes nothing', async () => {
      const res = await send('POST', '/__control/faults', { origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8', 'sec-fetch-site': 'cross-site' }, '{"dropRate":1}');
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'forbidden_origin' });
      expect(h.server.control.faults().dropRate).toBe(0);
    });

    it('refuses a cross-site text/plain POST to /__control/oauth/grant and grants nothing', async () => {
      const res = await send('POST', '/__control/oauth/grant', { origin: 'https://evil.example', 'content-type': 'text/plain' }, '{"user_id":"victim"}');
      expect(res.status).toBe(403);
      expect(h.server.control.sessions()).toEqual([]);
    });

    it('refuses a page of another local origin even though CORS lets it call the token API', async () => {
      const other = { origin: 'http://localhost:5173', 'content-type': 'application/json' };
      expect((await send('POST', '/__control/faults', other, '{"errorRate":1}')).status).toBe(403);
      expect((await send('GET', '/__control/stats', { origin: 'http://localhost:5173' })).status).toBe(403);
      expect(h.server.control.faults().errorRate).toBe(0);
      expect((await send('POST', '/v1/client/sign_in', other, '{}')).status).toBe(200);
    });

    it.each([
      ['an opaque origin', { origin: 'null' }],
      ['a malformed origin', { origin: 'not a url' }],
      ['no Origin and Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['no Origin and Sec-Fetch-Site: same-site (another port)', { 'sec-fetch-site': 'same-site' }],
    ])('refuses %s', async (_, headers) => {
      expect((await send('POST', '/__control/reset', headers)).status).toBe(403);
      expect((await send('GET', '/__control/faults', headers)).status).toBe(403);
    });

    it('refuses a cross-site CORS preflight for a control route', async () => {
      const res = await send('OPTIONS', '/__control/faults', { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('accepts a same-origin JSON POST, under any accepted name of the server', async () => {
      const res = await send('POST', '/__control/faults', { origin: h.url, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' }, '{"latencyMs":5}');
      expect(res.status).toBe(200);
      expect(h.server.control.faults().latencyMs).toBe(5);
      const port = new URL(h.url).port;
      const viaLocalhost = await send('POST', '/__control/faults', { host: `localhost:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json; charset=utf-8' }, '{"latencyMs":7}');
      expect(viaLocalhost.status).toBe(200);
      expect(h.server.control.faults().latencyMs).toBe(7);
    });

    it('accepts requests with no Origin from tools (curl, Node) and same-origin navigations', async () => {
      expect((await send('GET', '/__control/stats', {})).status).toBe(200);
      expect((await send('GET', '/__control/stats', { 'sec-fetch-site': 'none' })).status).toBe(200);
      expect((await send('GET', '/__control/stats', { 'sec-fetch-site': 'same-origin' })).status).toBe(200);
      // A bodiless POST has nothing a wrong Content-Type could smuggle.
      expect((await send('POST', '/__control/reset', {})).status).toBe(200);
    });

    it('refuses a control POST whose body is not declared JSON, even from the same origin', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
        const res = await send('POST', '/__control/faults', { origin: h.url, 'content-type': type }, '{"dropRate":1}');
        expect(res.status, type).toBe(415);
        expect(JSON.parse(res.body)).toMatchObject({ error: 'unsupported_media_type' });
      }
      expect((await send('POST', '/__control/faults', {}, '{"dropRate":1}')).status).toBe(415);
      expect(h.server.control.faults().dropRate).toBe(0);
    });
  });

  describe('DNS rebinding (Host check on every route)', () => {
    it.each([
      ['GET', '/.well-known/jwks.json'],
      ['GET', '/'],
      ['POST', '/v1/client/sign_in'],
      ['POST', '/v1/client/sessions/sess_x/tokens'],
      ['POST', '/oauth/token'],
      ['GET', '/__control/stats'],
      ['POST', '/__control/faults'],
    ])('refuses %s %s under a foreign Host', async (method, path) => {
      const port = new URL(h.url).port;
      for (const foreign of [`evil.example:${port}`, `rebind.attacker.test:${port}`, `localhost.:${port}`, 'evil.example']) {
        const res = await send(method, path, { host: foreign, origin: `http://${foreign}`, 'content-type': 'application/json' }, method === 'POST' ? '{}' : undefined);
        expect(res.status, foreign).toBe(403);
        expect(JSON.parse(res.body)).toMatchObject({ error: 'forbidden_host' });
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
      }
      expect(h.server.control.stats().total).toBe(0);
    });

    it('refuses a loopback name with another port (a proxy or rebinding to another port)', async () => {
      expect((await send('GET', '/.well-known/jwks.json', { host: '127.0.0.1:1' })).status).toBe(403);
      expect((await send('GET', '/.well-known/jwks.json', { host: 'localhost' })).status).toBe(403);
    });

    it('refuses an HTTP/1.0 request without Host', async () => {
      const { port } = new URL(h.url);
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET /.well-known/jwks.json HTTP/1.0\r\n\r\n'));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('close', () => resolve(data));
      });
      expect(answer).toMatch(/^HTTP\/1\.[01] 403 /);
    });

    it('accepts localhost, loopback and other IP literals with its port', async () => {
      const port = new URL(h.url).port;
      for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]', '10.1.2.3', '[fe80::1]']) {
        expect((await send('GET', '/.well-known/jwks.json', { host: `${name}:${port}` })).status, name).toBe(200);
      }
    });
  });

  it('accepts configured hosts and control origins', async () => {
    const custom = await startHarness({ allowedHosts: ['devbox.local'], controlOrigins: ['http://localhost:5173'] });
    try {
      const port = new URL(custom.url).port;
      const viaName = await rawRequest(custom.url, { method: 'GET', path: '/.well-known/jwks.json', headers: { host: `devbox.local:${port}` } });
      expect(viaName.status).toBe(200);
      const fromVite = await rawRequest(custom.url, {
        method: 'POST',
        path: '/__control/faults',
        headers: { origin: 'http://localhost:5173', 'content-type': 'application/json' },
        body: '{"latencyMs":3}',
      });
      expect(fromVite.status).toBe(200);
      expect(custom.server.control.faults().latencyMs).toBe(3);
      const other = await rawRequest(custom.url, { method: 'GET', path: '/__control/stats', headers: { origin: 'http://localhost:3000' } });
      expect(other.status).toBe(403);
    } finally {
      await custom.server.close();
    }
  });
});

describe('parseHost', () => {
  it.each([
    ['127.0.0.1:4010', { name: '127.0.0.1', port: 4010 }],
    ['LocalHost:80', { name: 'localhost', port: 80 }],
    ['localhost', { name: 'localhost', port: 80 }],
    ['[::1]:4010', { name: '[::1]', port: 4010 }],
  ])('%s', (header, parsed) => {
    expect(parseHost(header)).toEqual(parsed);
  });
  it.each([undefined, '', ':4010', 'a:b:c', '[::1', 'host:99999', 'host:', 'user@host:1'])('refuses %j', (header) => {
    expect(parseHost(header)).toBeUndefined();
  });
});
