import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, NetworkSimulator, NonLoopbackRefused } from './network';
import { TimeControl } from './timeControl';

let server: Server;
let base = '';
let hits = 0;
/** When the server last saw a request, by `serverClock` (set by a test). */
let serverClock: () => number = () => 0;
let seenAt = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    seenAt = serverClock();
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

describe('NetworkSimulator latency', () => {
  it('under virtual time, the server sees the request toServer ms after the send and the answer arrives toClient ms later; only the real exchange is in flight', async () => {
    const net = new NetworkSimulator();
    const time = new TimeControl({ inFlight: () => net.inFlight });
    time.install();
    time.enterVirtual();
    serverClock = () => time.trueNow();
    const endpoints: string[] = [];
    net.latency = (endpoint) => {
      endpoints.push(endpoint);
      return { toServer: 30, toClient: 12 };
    };
    try {
      const start = time.trueNow();
      let arrivedAt: number | undefined;
      const pending = net.fetch(`${base}/token`, { method: 'POST' }).then((response) => {
        arrivedAt = time.trueNow();
        return response.status;
      });
      await time.settle();
      expect(net.inFlight).toBe(0); // on its way out: virtual time may move
      await time.advance(29);
      expect(arrivedAt).toBeUndefined();
      await time.advance(1); // the server is reached at +30 and answers within this settle
      expect(seenAt - start).toBe(30);
      expect(arrivedAt).toBeUndefined();
      await time.advance(12);
      expect(arrivedAt! - start).toBe(42);
      expect(await pending).toBe(200);
      expect(endpoints).toEqual(['POST /token']);
      expect(net.total).toBe(1);
    } finally {
      time.uninstall();
      net.closeIdle();
    }
  });

  it('adds nothing by default or while offline', async () => {
    const net = new NetworkSimulator();
    let asked = 0;
    net.latency = () => {
      asked++;
      return { toServer: 0, toClient: 0 };
    };
    net.setOnline(false);
    await net.fetch(`${base}/x`).catch(() => undefined);
    expect(asked).toBe(0);
    net.setOnline(true);
    net.latency = undefined;
    await expect(net.fetch(`${base}/x`)).resolves.toHaveProperty('status', 200);
    net.closeIdle();
  });
});
