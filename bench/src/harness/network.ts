import { Agent, request as httpRequest } from 'node:http';
import { isIP } from 'node:net';
import { realMs } from './stats';

/** One finished request, timed in real ms (`realMs()`), for ratios to "the round trip itself". */
export interface RequestTiming {
  endpoint: string;
  ok: boolean;
  startedAt: number;
  endedAt: number;
}

/**
 * The only way out of the benchmark process: a `fetch` over node:http that
 *
 * - refuses every address outside the loopback range (the benchmark must never reach the internet,
 *   whatever a library has hard-coded: telemetry, discovery, CDN look-ups);
 * - counts requests per endpoint, so "how many requests did it make" is read here, on the client
 *   side, identically for every library;
 * - keeps at most 6 connections per origin, as a browser does over HTTP/1.1;
 * - goes "offline" on demand: `navigator.onLine` turns false, `offline` fires on `window`, and
 *   every request fails at the network level, as a real connection to a closed port does;
 * - adds a round trip on demand (`latency`, off by default): each request waits before it reaches
 *   the server and again after the answer leaves it.
 */

export class NonLoopbackRefused extends TypeError {
  constructor(host: string) {
    super(`bench: refused a request to a non-loopback host (${host})`);
    this.name = 'NonLoopbackRefused';
  }
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

interface BodyInit {
  body: Buffer | undefined;
  contentType: string | undefined;
}

async function encodeBody(body: unknown): Promise<BodyInit> {
  if (body === undefined || body === null) return { body: undefined, contentType: undefined };
  if (typeof body === 'string') return { body: Buffer.from(body), contentType: 'text/plain;charset=UTF-8' };
  if (body instanceof URLSearchParams) {
    return { body: Buffer.from(body.toString()), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  }
  if (body instanceof ArrayBuffer) return { body: Buffer.from(body), contentType: undefined };
  if (ArrayBuffer.isView(body)) return { body: Buffer.from(body.buffer, body.byteOffset, body.byteLength), contentType: undefined };
  if (body instanceof FormData || body instanceof Blob) {
    // Let the platform encode multipart/blob bodies, then send the bytes.
    const encoded = new Request('http://127.0.0.1/', { method: 'POST', body });
    return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? undefined };
  }
  throw new TypeError(`bench fetch: unsupported body type ${Object.prototype.toString.call(body)}`);
}

/** Where one request's added round trip is spent, ms: on the way to the server, and back. */
export interface Latency {
  toServer: number;
  toClient: number;
}

/** Waits on the global `setTimeout` of the moment: a virtual wait under virtual time. */
function wait(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    globalThis.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
  });
}

export class NetworkSimulator {
  /**
   * Added round trip per request (online only), asked once per request with its endpoint
   * (`"POST /path"`); undefined (the default) adds none. The waits use the global timers of the
   * moment, so under virtual time the server reads its clock `toServer` virtual ms after the send
   * and the answer arrives `toClient` ms later. Only the real exchange with the loopback server
   * counts as in flight, so virtual time moves during the waits.
   */
  latency: ((endpoint: string) => Latency) | undefined = undefined;
  #online = true;
  #inFlight = 0;
  #total = 0;
  readonly #byEndpoint = new Map<string, number>();
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 6 });
  /** A port nothing listens on: what an offline request really costs to fail. */
  #closedPort = 9;
  #recent: RequestTiming[] = [];

  /** The last requests that finished (at most 50), oldest first. */
  get recent(): readonly RequestTiming[] {
    return this.#recent;
  }

  get online(): boolean {
    return this.#online;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get total(): number {
    return this.#total;
  }

  /** Requests whose path contains `fragment` (e.g. '/token'), counted since the last `resetCounts()`. */
  count(fragment?: string): number {
    if (fragment === undefined) return this.#total;
    let sum = 0;
    for (const [endpoint, n] of this.#byEndpoint) if (endpoint.includes(fragment)) sum += n;
    return sum;
  }

  resetCounts(): void {
    this.#total = 0;
    this.#byEndpoint.clear();
  }

  setClosedPort(port: number): void {
    this.#closedPort = port;
  }

  /** Flips the network and tells the page, as a browser does: `navigator.onLine` then the event. */
  setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    const g = globalThis as { navigator?: { onLine?: boolean }; dispatchEvent?: (event: Event) => boolean };
    if (g.navigator) g.navigator.onLine = online;
    g.dispatchEvent?.(new Event(online ? 'online' : 'offline'));
  }

  /** Drops idle keep-alive connections (between scenarios, so no library inherits warm sockets). */
  closeIdle(): void {
    this.#agent.destroy();
  }

  readonly fetch = async (input: unknown, init: RequestInit = {}): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request ? request.url : String(input instanceof URL ? input.href : input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`bench fetch: unsupported scheme ${url.protocol}`);
    if (!isLoopbackHost(url.hostname)) throw new NonLoopbackRefused(url.hostname);
    const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
    const headers = new Headers(request?.headers);
    new Headers(init.headers).forEach((value, name) => headers.set(name, value));
    const signal = init.signal ?? request?.signal ?? undefined;
    const { body, contentType } = await encodeBody(init.body ?? (request && method !== 'GET' ? await request.arrayBuffer() : undefined));
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
    if (body) headers.set('content-length', String(body.length));

    this.#total++;
    const endpoint = `${method} ${url.pathname}`;
    this.#byEndpoint.set(endpoint, (this.#byEndpoint.get(endpoint) ?? 0) + 1);
    const latency = this.#online ? this.latency?.(endpoint) : undefined;
    if (latency) await wait(latency.toServer, signal);
    this.#inFlight++;
    const startedAt = realMs();
    let ok = false;
    let response: Response;
    try {
      // Offline: a real connection attempt to a closed loopback port, so failing costs what it costs.
      const target = this.#online ? url : new URL(`http://127.0.0.1:${this.#closedPort}/`);
      response = await this.#send(target, method, headers, body, signal, init.redirect ?? 'follow');
      ok = response.ok;
    } finally {
      this.#inFlight--;
      this.#recent.push({ endpoint, ok, startedAt, endedAt: realMs() });
      if (this.#recent.length > 50) this.#recent.shift();
    }
    if (latency) await wait(latency.toClient, signal);
    return response;
  };

  #send(url: URL, method: string, headers: Headers, body: Buffer | undefined, signal: AbortSignal | null | undefined, redirect: RequestRedirect): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
      const outgoing: Record<string, string> = {};
      headers.forEach((value, name) => (outgoing[name] = value));
      const req = httpRequest(url, { method, headers: outgoing, agent: this.#agent });
      const onAbort = () => req.destroy(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        // What browsers and undici answer for any network-level failure.
        reject(signal?.aborted ? signal.reason : Object.assign(new TypeError('Failed to fetch'), { cause: error }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(Object.assign(new TypeError('Failed to fetch'), { cause: error })));
        res.on('end', () => {
          signal?.removeEventListener('abort', onAbort);
          const status = res.statusCode ?? 0;
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value === undefined) continue;
            for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
          }
          if (redirect === 'follow' && status >= 300 && status < 400 && responseHeaders.has('location')) {
            reject(new TypeError('bench fetch: redirects are not followed'));
            return;
          }
          const nullBody = status === 204 || status === 304 || method === 'HEAD';
          const response = new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: responseHeaders });
          Object.defineProperty(response, 'url', { value: url.href });
          resolve(response);
        });
      });
      req.end(body);
    });
  }
}
