import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Handler, ServerParts } from './context';
import { originPolicy, type CorsOrigins } from './cors';
import { answerMalformed, createRequestHandler } from './dispatch';
import { FaultInjector } from './faults';
import { createInProcessControl, type DevServerControl } from './inProcessControl';
import { createSigningKey } from './keys';
import { RefreshTokenFamilies } from './oauth';
import { Router } from './router';
import { registerClientRoutes } from './routes/client';
import { registerControlRoutes } from './routes/control';
import { registerOAuthRoutes } from './routes/oauthToken';
import { registerWellKnown } from './routes/wellKnown';
import { createRequestGuard } from './requestGuard';
import { SessionStore } from './sessions';
import { RequestStats } from './stats';
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
  /**
   * Host names accepted in the `Host` header besides `localhost` and IP literals (always with the
   * server's port); any other name is refused with 403 (DNS rebinding). @default []
   */
  allowedHosts?: readonly string[];
  /**
   * Origins whose pages may call the control API besides the server's own (e.g. a dev server on
   * another port that calls this one directly). @default []
   */
  controlOrigins?: readonly string[];
  /** Wall clock (ms) used for token times and the `Date` header. @default Date.now */
  now?: () => number;
  /** Randomness behind the fault rates. @default Math.random */
  random?: () => number;
  /** Told about unexpected errors (answered as 500). @default console.error */
  onError?: (error: unknown) => void;
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
    guard: createRequestGuard({ port: () => port, allowedHosts: options.allowedHosts, controlOrigins: options.controlOrigins }),
    staticDir: options.staticDir,
    onError: options.onError ?? ((error) => console.error('[tokenwarden-devserver]', error)),
  });
  const server = createServer((req, res) => void handle(req, res));
  server.on('clientError', answerMalformed);

  // Known once listening; no request is handled before then.
  let port = 0;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  issuer = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: issuer,
    port,
    issuer,
    control: createInProcessControl(parts),
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

function urlHost(host: string): string {
  // A wildcard address is where we listen, not where a client can connect.
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
