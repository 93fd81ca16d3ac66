import { request as httpRequest } from 'node:http';
import { startDevServer, type DevServer, type DevServerOptions } from './server';

/** Test-only helpers around a real server on port 0. Not exported from the package. */
export interface Harness {
  server: DevServer;
  url: string;
  /** Unexpected errors the server answered with 500; tests assert this stays empty. */
  errors: unknown[];
  post(path: string, body?: unknown, init?: { cookie?: string; origin?: string; headers?: Record<string, string> }): Promise<Response>;
  get(path: string, init?: { headers?: Record<string, string> }): Promise<Response>;
  /** Signs in over HTTP and returns the session id and the `Cookie` header value. */
  signIn(body?: Record<string, unknown>, cookie?: string): Promise<{ sessionId: string; cookie: string }>;
  setFaults(patch: Record<string, unknown>): Promise<void>;
  stats(): Promise<{ total: number; byEndpoint: Record<string, number>; bySession: Record<string, number>; byTemplate: Record<string, number> }>;
}

export async function startHarness(options: DevServerOptions = {}): Promise<Harness> {
  const errors: unknown[] = [];
  const server = await startDevServer({ onError: (error) => errors.push(error), ...options });
  const url = server.url;
  const post: Harness['post'] = (path, body, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    if (init.cookie) headers['cookie'] = init.cookie;
    if (init.origin) headers['origin'] = init.origin;
    let payload: string | undefined;
    if (typeof body === 'string') payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    return fetch(url + path, { method: 'POST', headers, body: payload });
  };
  const harness: Harness = {
    server,
    url,
    errors,
    post,
    get: (path, init = {}) => fetch(url + path, { headers: init.headers }),
    async signIn(body = {}, cookie) {
      const res = await post('/v1/client/sign_in', body, cookie ? { cookie } : {});
      if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
      const json = (await res.json()) as { session_id: string };
      const setCookie = res.headers.getSetCookie()[0] ?? '';
      return { sessionId: json.session_id, cookie: setCookie.split(';')[0] as string };
    },
    async setFaults(patch) {
      const res = await post('/__control/faults', patch);
      if (res.status !== 200) throw new Error(`faults answered ${res.status}: ${await res.text()}`);
    },
    async stats() {
      return (await (await fetch(`${url}/__control/stats`)).json()) as Awaited<ReturnType<Harness['stats']>>;
    },
  };
  return harness;
}

/**
 * A request through node:http, which (unlike fetch) sends any method, any raw path and any body,
 * and reports a dropped connection as `{ status: 0 }` instead of throwing.
 */
export function rawRequest(
  url: string,
  init: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  const headers = { ...init.headers };
  // Node frames bodies of GET/DELETE/OPTIONS only when told the length.
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  return new Promise((resolve) => {
    const req = httpRequest({ hostname, port, method: init.method, path: init.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    });
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end(init.body);
  });
}

/** Polls a condition about the server (real I/O, so no fake timers) for at most 2 s. */
export async function waitFor(check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
