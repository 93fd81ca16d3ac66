import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Handler, ServerParts } from './context';
import { answerPreflight, applyCors } from './cors';
import { HttpError, sendError, sendJson, stampDate } from './http';
import { isLoopbackAddress } from './loopback';
import type { RequestGuard } from './requestGuard';
import type { Router } from './router';
import { CONTROL_PREFIX } from './routes/control';
import { serveStatic } from './static';

export interface HandlerDeps {
  router: Router<Handler>;
  parts: ServerParts;
  allowOrigin: (origin: string) => boolean;
  guard: RequestGuard;
  staticDir: string | undefined;
  onError: (error: unknown) => void;
}

/** API paths never fall through to static files, so a typo answers a JSON 404, not a page. */
const API_PREFIXES = ['/v1/', '/oauth/', `${CONTROL_PREFIX}/`, '/.well-known/'];

/**
 * The one place a request is answered: the Host check, CORS, the gates of the control API (loopback
 * peer, own origin, JSON), routing, 404/405, static files, and the catch that turns every failure
 * into a JSON answer instead of a crash.
 */
export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { router, parts } = deps;
  return async (req, res) => {
    try {
      stampDate(res, parts.now());
      const url = requestUrl(req.url);
      const pathname = url.pathname;
      // First, before any CORS header: a rebound name must learn nothing from us.
      deps.guard.checkHost(req);
      applyCors(req, res, deps.allowOrigin);
      if (pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) {
        if (!isLoopbackAddress(req.socket.remoteAddress)) {
          throw new HttpError(403, 'forbidden', 'The control API only answers requests from this machine');
        }
        deps.guard.checkControl(req);
      }
      const method = req.method ?? 'GET';
      if (method === 'OPTIONS') {
        const lookup = router.lookup(method, pathname);
        if (lookup.kind === 'method-not-allowed') return answerPreflight(req, res, deps.allowOrigin, lookup.allow);
        throw notFound();
      }
      const lookup = router.lookup(method, pathname);
      if (lookup.kind === 'found') {
        await lookup.match.route.handler({ req, res, url, params: lookup.match.params, parts });
        return;
      }
      if (lookup.kind === 'method-not-allowed') {
        throw new HttpError(405, 'method_not_allowed', `${method} is not allowed here`, { headers: { Allow: lookup.allow.join(', ') } });
      }
      if ((method === 'GET' || method === 'HEAD') && !API_PREFIXES.some((prefix) => pathname.startsWith(prefix))) {
        if (deps.staticDir !== undefined && (await serveStatic(deps.staticDir, pathname, req, res))) return;
        if (deps.staticDir === undefined && pathname === '/' && method === 'GET') return sendJson(res, 200, describe(parts));
      }
      throw notFound();
    } catch (error) {
      if (error instanceof HttpError) return sendError(res, error);
      deps.onError(error);
      if (res.headersSent) res.destroy();
      else sendError(res, new HttpError(500, 'internal_error', 'Unexpected server error'));
    }
  };
}

function notFound(): HttpError {
  return new HttpError(404, 'not_found', 'No such endpoint');
}

/** Origin-form (`/path?q`) is the norm; absolute-form is legal HTTP too. Anything else is a 400. */
function requestUrl(target: string | undefined): URL {
  const raw = target ?? '/';
  try {
    // Prefixing keeps `//evil/path` a path instead of letting URL read it as a host.
    return raw.startsWith('/') ? new URL(`http://devserver.invalid${raw}`) : new URL(raw);
  } catch {
    throw new HttpError(400, 'invalid_request', 'Malformed request target');
  }
}

/** For a person opening the bare URL: what this is and where to look. */
function describe(parts: ServerParts): Record<string, unknown> {
  const issuer = parts.issuer();
  return {
    name: 'tokenwarden-devserver',
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    templates: [...parts.templates.keys()],
    docs: 'See packages/devserver/README.md',
  };
}

/** Node's parser refused the request (bad syntax, huge headers): answer in the usual JSON shape. */
export function answerMalformed(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  const body = JSON.stringify({ error: 'bad_request', message: 'Malformed HTTP request' });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

