import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Handler, ServerParts } from './context';
import { answerPreflight, applyCors, originPolicy, type CorsOrigins } from './cors';
import { FaultInjector, type Faults } from './faults';
import { HttpError, sendError, sendJson, stampDate } from './http';
import { createSigningKey } from './keys';
import { isLoopbackAddress } from './loopback';
import { RefreshTokenFamilies } from './oauth';
import { Router } from './router';
import { CLIENT_COOKIE, registerClientRoutes } from './routes/client';
import { CONTROL_PREFIX, listSessions, registerControlRoutes, revoke, type SessionView } from './routes/control';
import { registerOAuthRoutes } from './routes/oauthToken';
import { registerWellKnown } from './routes/wellKnown';
import { SessionStore } from './sessions';
import { serveStatic } from './static';
import { RequestStats, type StatsSnapshot } from './stats';
import { assertTtl, resolveTemplates, type TokenTemplate } from './templates';
import { TokenMinter } from './tokens';

export interface DevServerOptions {
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Lifetime (s) of `default`-template session tokens and of OAuth access tokens. @default 60 */
  ttl?: number;
  /** Added to or overriding the built-in templates (`default`, `supabase`, `short`, `long`). */
  templates?: Record<string, TokenTemplate>;
  /** Serve files from this folder for GET requests that match no API route. */
  staticDir?: string;
  /** Origins allowed to call with credentials. @default any http://localhost:*, 127.0.0.1:*, [::1]:* */
  corsOrigins?: CorsOrigins;
  /** Wall clock (ms) used for token times and the `Date` header. @default Date.now */
  now?: () => number;
  /** Randomness behind the fault rates. @default Math.random */
  random?: () => number;
  /** Told about unexpected errors (answered as 500). @default console.error */
  onError?: (error: unknown) => void;
}

/** The control API without HTTP, for tests in the same process. Same semantics as `/__control/*`. */
export interface DevServerControl {
  faults(patch?: Partial<Faults>): Faults;
  /** Faults back to defaults, counters to zero; held (`hang`) requests are released. */
  reset(): void;
  stats(): StatsSnapshot;
  resetStats(): void;
  sessions(): SessionView[];
  revoke(sessionId: string): SessionView;
  /** A cookie session; `cookie` is ready for a `Cookie` request header. */
  signIn(input?: { userId?: string; organizationId?: string | null }): { sessionId: string; userId: string; cookie: string };
  /** A fresh refresh token (a new family), as `POST /__control/oauth/grant`. */
  grant(input?: { userId?: string; clientId?: string; scope?: string }): { refreshToken: string; familyId: string };
}

export interface DevServer {
  /** Base URL, e.g. `http://127.0.0.1:4010` (no trailing slash). */
  url: string;
  port: number;
  /** The `iss` claim of every token (equal to `url`). */
  issuer: string;
  control: DevServerControl;
  /** Stops listening and destroys open connections, held and slow requests included. */
  close(): Promise<void>;
}

/** Starts the reference token issuer. Resolves once it listens. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const now = options.now ?? Date.now;
  const ttl = options.ttl ?? 60;
  assertTtl(ttl, 'ttl');
  const templates = resolveTemplates(ttl, options.templates);
  const key = await createSigningKey();
  const faults = new FaultInjector({ now, random: options.random });
  let issuer = '';
  const parts: ServerParts = {
    keys: [key],
    minter: new TokenMinter(key, () => issuer),
    templates,
    sessions: new SessionStore(now),
    families: new RefreshTokenFamilies(now),
    faults,
    stats: new RequestStats(),
    ttl,
    now,
    serverNow: () => faults.serverNow(),
    issuer: () => issuer,
  };

  const router = new Router<Handler>();
  registerWellKnown(router);
  registerClientRoutes(router);
  registerOAuthRoutes(router);
  registerControlRoutes(router);

  const handle = createRequestHandler({
    router,
    parts,
    allowOrigin: originPolicy(options.corsOrigins),
    staticDir: options.staticDir,
    onError: options.onError ?? ((error) => console.error('[tokenwarden-devserver]', error)),
  });
  const server = createServer((req, res) => void handle(req, res));
  server.on('clientError', answerMalformed);

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  issuer = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: issuer,
    port,
    issuer,
    control: createControl(parts),
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Held and delayed requests would otherwise keep close() waiting forever.
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

interface HandlerDeps {
  router: Router<Handler>;
  parts: ServerParts;
  allowOrigin: (origin: string) => boolean;
  staticDir: string | undefined;
  onError: (error: unknown) => void;
}

/** API paths never fall through to static files, so a typo answers a JSON 404, not a page. */
const API_PREFIXES = ['/v1/', '/oauth/', `${CONTROL_PREFIX}/`, '/.well-known/'];

function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { router, parts } = deps;
  return async (req, res) => {
    try {
      stampDate(res, parts.now());
      const url = requestUrl(req.url);
      const pathname = url.pathname;
      applyCors(req, res, deps.allowOrigin);
      if ((pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`)) && !isLoopbackAddress(req.socket.remoteAddress)) {
        throw new HttpError(403, 'forbidden', 'The control API only answers requests from this machine');
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
function answerMalformed(error: NodeJS.ErrnoException, socket: Socket): void {
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

function urlHost(host: string): string {
  // A wildcard address is where we listen, not where a client can connect.
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function createControl(parts: ServerParts): DevServerControl {
  return {
    faults: (patch) => (patch ? parts.faults.update(patch) : parts.faults.get()),
    reset: () => {
      parts.faults.reset();
      parts.stats.reset();
    },
    stats: () => parts.stats.snapshot(),
    resetStats: () => parts.stats.reset(),
    sessions: () => listSessions(parts),
    revoke: (sessionId) => revoke(parts, sessionId),
    signIn: (input = {}) => {
      const { session, clientSecret } = parts.sessions.signIn({ userId: input.userId ?? 'user_dev', organizationId: input.organizationId ?? null });
      return { sessionId: session.id, userId: session.userId, cookie: `${CLIENT_COOKIE}=${clientSecret}` };
    },
    grant: (input = {}) => {
      const { refreshToken, family } = parts.families.grant({
        userId: input.userId ?? 'user_dev',
        clientId: input.clientId ?? 'tokenwarden-dev',
        scope: input.scope,
      });
      return { refreshToken, familyId: family.id };
    },
  };
}
