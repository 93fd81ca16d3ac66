import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { HttpError } from './http';

export interface RequestGuardOptions {
  /** The port the server listens on: a `Host` naming another port is not addressed to us. */
  port: () => number;
  /** Host names (no port) accepted besides `localhost` and IP literals, e.g. `['devbox.local']`. */
  allowedHosts?: readonly string[];
  /** Origins allowed to call the control API besides the server's own, e.g. `['http://localhost:5173']`. */
  controlOrigins?: readonly string[];
}

export interface RequestGuard {
  /** Every request: refuses a `Host` that is not ours (DNS rebinding). */
  checkHost(req: IncomingMessage): void;
  /** Control requests: refuses other web pages (CSRF) and control POSTs that are not JSON. */
  checkControl(req: IncomingMessage): void;
}

/**
 * Keeps web pages the developer happens to visit away from the server.
 *
 * DNS rebinding: a page on `evil.example` re-points its name at 127.0.0.1, and its scripts then
 * read this server as "same origin". The browser still sends `Host: evil.example`, so only names
 * that cannot be rebound are accepted: `localhost`, IP literals (an attacker's page on an IP is at
 * the attacker's machine) and the hosts configured on purpose, each with our own port.
 *
 * CSRF: any page can send a simple (`text/plain`, form) POST here without a preflight. A control
 * request is answered only if its `Origin` is this server's own origin (the one the `Host` names)
 * or a configured one; without `Origin`, a `Sec-Fetch-Site` other than `same-origin`/`none` is
 * refused. A control POST that has a body must say `application/json`, which a page on another
 * origin can only send after a CORS preflight that the origin rule already fails.
 */
export function createRequestGuard(options: RequestGuardOptions): RequestGuard {
  const allowedHosts = new Set((options.allowedHosts ?? []).map((host) => host.toLowerCase()));
  const controlOrigins = new Set((options.controlOrigins ?? []).map((origin) => originOf(origin)).filter((origin) => origin !== undefined));
  return {
    checkHost(req) {
      const host = parseHost(req.headers.host);
      if (!host || host.port !== options.port() || !isAcceptedName(host.name, allowedHosts)) {
        throw new HttpError(403, 'forbidden_host', 'The Host header does not name this server (localhost, an IP address or an allowed host, with its port)');
      }
    },
    checkControl(req) {
      const origin = req.headers.origin;
      if (origin !== undefined) {
        const own = originOf(`http://${req.headers.host ?? ''}`);
        const theirs = originOf(origin);
        if (theirs === undefined || (theirs !== own && !controlOrigins.has(theirs))) {
          throw new HttpError(403, 'forbidden_origin', 'The control API only answers pages of this server (or allowed origins)');
        }
      } else {
        const site = req.headers['sec-fetch-site'];
        if (site === 'cross-site' || site === 'same-site') {
          throw new HttpError(403, 'forbidden_origin', 'The control API only answers pages of this server (or allowed origins)');
        }
      }
      if (req.method === 'POST' && !isJsonOrBodiless(req)) {
        throw new HttpError(415, 'unsupported_media_type', 'Control requests with a body must be Content-Type: application/json');
      }
    },
  };
}

/** `name:port` of a Host header; the port defaults to 80 (plain http). `undefined` when malformed. */
export function parseHost(header: string | undefined): { name: string; port: number } | undefined {
  if (!header) return undefined;
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!match) return undefined;
  const name = (match[1] as string).toLowerCase();
  const port = match[2] === undefined ? 80 : Number(match[2]);
  return port > 65_535 ? undefined : { name, port };
}

function isAcceptedName(name: string, allowed: ReadonlySet<string>): boolean {
  if (name === 'localhost' || allowed.has(name)) return true;
  if (name.startsWith('[')) return isIP(name.slice(1, -1)) === 6;
  return isIP(name) === 4;
}

/** The serialized origin of a URL (`http://127.0.0.1:4010`), or `undefined` (`null`, garbage). */
function originOf(value: string): string | undefined {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

function isJsonOrBodiless(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type !== undefined) return /^application\/json\s*(;|$)/i.test(type);
  // No Content-Type and nothing to read (`curl -X POST .../__control/reset`): nothing to misparse.
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}
