import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, NetworkSimulator, NonLoopbackRefused } from './network';

let server: Server;
let base = '';
let hits = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: req.url, body, type: req.headers['content-type'] ?? null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('isLoopbackHost', () => {
  it('accepts only the loopback range and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '[::1]', '::1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['10.0.0.1', '192.168.1.1', '172.16.0.1', '8.8.8.8', 'example.com', 'localhost.example.com', '::ffff:8.8.8.8']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});

describe('NetworkSimulator.fetch', () => {
  it('refuses a non-loopback URL before opening any connection, and does not count it', async () => {
    const net = new NetworkSimulator();
    await expect(net.fetch('https://example.com/token')).rejects.toBeInstanceOf(NonLoopbackRefused);
    await expect(net.fetch('http://10.1.2.3/token')).rejects.toBeInstanceOf(NonLoopbackRefused);
    expect(net.total).toBe(0);
    net.closeIdle();
  });

  it('sends JSON and form bodies to a loopback server and counts each request by endpoint', async () => {
    const net = new NetworkSimulator();
    const before = hits;
    const json = await (await net.fetch(`${base}/auth/v1/token?grant_type=refresh_token`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).json();
    const form = await (await net.fetch(new URL(`${base}/oauth/token`), { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token' }) })).json();
    expect(json).toMatchObject({ method: 'POST', body: '{"a":1}', type: 'application/json' });
    expect(form).toMatchObject({ body: 'grant_type=refresh_token', type: 'application/x-www-form-urlencoded;charset=UTF-8' });
    expect(hits - before).toBe(2);
    expect(net.total).toBe(2);
    expect(net.count('/oauth/token')).toBe(1);
    expect(net.count('/auth/v1/token')).toBe(1);
    expect(net.inFlight).toBe(0);
    net.closeIdle();
  });

  it('offline: the request fails as a network error (TypeError) and never reaches the server', async () => {
    const net = new NetworkSimulator();
    const before = hits;
    net.setOnline(false);
    const failure = await net.fetch(`${base}/oauth/token`, { method: 'POST' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(hits).toBe(before);
    expect(net.total).toBe(1); // the attempt is counted: a library that hammers while offline shows it
    net.setOnline(true);
    await expect(net.fetch(`${base}/x`)).resolves.toHaveProperty('status', 200);
    net.closeIdle();
  });

  it('honours an aborted signal', async () => {
    const net = new NetworkSimulator();
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(net.fetch(`${base}/x`, { signal: controller.signal })).rejects.toThrow('stop');
    net.closeIdle();
  });
});
