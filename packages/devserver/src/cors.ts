import type { IncomingMessage, ServerResponse } from 'node:http';

/** Which browser origins may call the server with credentials. */
export type CorsOrigins = readonly string[] | ((origin: string) => boolean);

const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/** Default: any page served from this machine over http (dev servers pick random ports). */
export function originPolicy(origins?: CorsOrigins): (origin: string) => boolean {
  if (typeof origins === 'function') return origins;
  if (origins) {
    const allowed = new Set(origins.map((origin) => origin.replace(/\/+$/, '')));
    return (origin) => allowed.has(origin);
  }
  return (origin) => LOCAL_ORIGIN.test(origin);
}

/**
 * Adds the CORS answer for an allowed origin: reflected (never `*`, which browsers refuse with
 * credentials) and with `Date`/`Retry-After` exposed, because those are not CORS-safelisted and a
 * client that cannot read `Date` cannot learn the server clock.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: (origin: string) => boolean): void {
  res.appendHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (!origin || !allowed(origin)) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Access-Control-Expose-Headers', 'Date, Retry-After');
}

/** Answers an OPTIONS preflight for a route that accepts `methods` (after `applyCors` ran). */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowed: (origin: string) => boolean, methods: readonly string[]): void {
  const origin = req.headers.origin;
  if (origin && allowed(origin)) {
    res.setHeader('Access-Control-Allow-Methods', [...methods, 'OPTIONS'].join(', '));
    const requested = req.headers['access-control-request-headers'];
    res.setHeader('Access-Control-Allow-Headers', requested ?? 'Content-Type, Authorization');
    if (req.headers['access-control-request-private-network'] === 'true') {
      // Chrome's Private Network Access preflight: a public page may call this local server only if it says so.
      res.setHeader('Access-Control-Allow-Private-Network', 'true');
    }
    res.setHeader('Access-Control-Max-Age', '600');
  }
  res.setHeader('Allow', [...methods, 'OPTIONS'].join(', '));
  res.statusCode = 204;
  res.end();
}
