import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import { basename, join } from 'node:path';
import Provider, { errors } from 'oidc-provider';

/**
 * A real oidc-provider 9.x (OpenID-certified, not written here) on a loopback port, configured as
 * the issue asks: a public SPA client (authorization code + PKCE, refresh tokens rotated on every
 * use, reuse detection as oidc-provider does it: a second use of a rotated token revokes the grant),
 * one confidential client per auth method (also allowed `client_credentials`), short access-token
 * lifetimes, opaque access tokens by default and JWTs for one resource (RFC 8707).
 */

export const REDIRECT_URI = 'http://127.0.0.1/callback';
/** A resource whose access tokens are JWTs (RS256). */
export const JWT_RESOURCE = 'https://jwt.api.test/';
/** A resource whose access tokens are opaque, like the default ones. */
export const OPAQUE_RESOURCE = 'https://opaque.api.test/';
export const API_SCOPE = 'api:read';

export const SECRETS = {
  basic: 'basic-secret-Zq3%:+/x',
  post: 'post-secret-Wm8%:+/y',
} as const;

export interface OidcServerOptions {
  /** Access-token lifetime, seconds. @default 15 */
  accessTokenTtl?: number;
  /** Public JWKs of the `private_key_jwt` clients: `jwt` (its `jwks`). */
  clientJwks: JsonWebKey[];
  /** Files served at `/tabs/<name>` (a browser test page, same origin as the token endpoint). */
  staticDir?: string;
}

/** A token request held at the server's door, before the provider has read it. */
export interface HeldRequest {
  /** Resolves when a token request arrives and is held. */
  readonly arrived: Promise<void>;
  /** Lets it through; if its client has gone meanwhile, it is dropped unprocessed. */
  release(): void;
}

export interface OidcServer {
  readonly issuer: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  /** Successful grants by `grant_type`. */
  readonly grants: Record<string, number>;
  /** Refresh tokens presented again after rotation (oidc-provider then revoked the grant). */
  readonly reuseDetections: number;
  /** Error codes the token endpoint answered with, in order. */
  readonly grantErrors: string[];
  /**
   * The expiry (epoch seconds) the server itself gave an access token: from its own record for an
   * opaque token (whose value is its id), from the `exp` claim for a JWT. The server's view, not
   * the client's, so "served with more than minValidity left" is judged by the issuer.
   */
  expiryOf(token: string): number | undefined;
  resetCounters(): void;
  /** Holds the next POST to the token endpoint before oidc-provider processes it. */
  holdNextTokenRequest(): HeldRequest;
  /** Token requests dropped unprocessed because their client left while held. */
  readonly dropped: number;
  close(): Promise<void>;
}

async function signingJwk(): Promise<JsonWebKey & { kid: string }> {
  const pair = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  return { ...(await crypto.subtle.exportKey('jwk', pair.privateKey)), kid: 'server-rs256', use: 'sig', alg: 'RS256' };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address === 'object' && address) resolve(address.port);
      else reject(new Error('no port'));
    });
  });
}

export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const ttl = options.accessTokenTtl ?? 15;
  const server = createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const scope = `openid offline_access ${API_SCOPE}`;
  const code = ['authorization_code', 'refresh_token'];
  const confidential = [...code, 'client_credentials'];
  const client = (fields: Record<string, unknown>) => ({ redirect_uris: [REDIRECT_URI], response_types: ['code'], scope, ...fields });

  const provider = new Provider(issuer, {
    clients: [
      client({ client_id: 'spa', token_endpoint_auth_method: 'none', grant_types: code }),
      client({ client_id: 'basic', client_secret: SECRETS.basic, token_endpoint_auth_method: 'client_secret_basic', grant_types: confidential }),
      client({ client_id: 'post', client_secret: SECRETS.post, token_endpoint_auth_method: 'client_secret_post', grant_types: confidential }),
      // Allowed only `openid`: asking it for the api scope is invalid_scope.
      { client_id: 'narrow', client_secret: SECRETS.post, token_endpoint_auth_method: 'client_secret_post', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'openid' },
      client({ client_id: 'jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: options.clientJwks }, grant_types: confidential }),
    ],
    scopes: ['openid', 'offline_access', API_SCOPE],
    jwks: { keys: [await signingJwk()] },
    cookies: { keys: ['tokenwarden-oidc-harness'] },
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource === JWT_RESOURCE) return { scope: API_SCOPE, audience: JWT_RESOURCE, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
          if (resource === OPAQUE_RESOURCE) return { scope: API_SCOPE, accessTokenTTL: ttl, accessTokenFormat: 'opaque' };
          throw new errors.InvalidTarget();
        },
      },
    },
    // Every refresh rotates, for confidential clients too (oidc-provider's default rotates those
    // only late in the refresh token's life).
    rotateRefreshToken: () => true,
    // The browser test page is served from the provider's own origin.
    clientBasedCORS: () => true,
    ttl: { AccessToken: ttl, ClientCredentials: ttl, RefreshToken: 24 * 3600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 24 * 3600 },
  });

  // Node writes its own `Date` header from its real clock; the provider's time may be a test's
  // manual clock (clockedDate.ts), so say the time the provider itself reads.
  provider.use(async (ctx, next) => {
    await next();
    ctx.set('date', new Date().toUTCString());
  });

  let hold: { arrived: () => void; released: Promise<void> } | undefined;
  let dropped = 0;
  provider.use(async (ctx, next) => {
    if (hold && ctx.method === 'POST' && ctx.path === '/token') {
      const current = hold;
      hold = undefined;
      let gone = false;
      ctx.res.once('close', () => (gone = true));
      current.arrived();
      await current.released;
      if (gone || ctx.req.socket.destroyed) {
        dropped++;
        ctx.respond = false;
        return;
      }
    }
    await next();
  });

  const staticDir = options.staticDir;
  if (staticDir) {
    provider.use(async (ctx, next) => {
      if (ctx.method !== 'GET' || !ctx.path.startsWith('/tabs/')) return next();
      const name = basename(ctx.path);
      ctx.type = name.endsWith('.js') ? 'text/javascript' : 'text/html';
      ctx.body = await readFile(join(staticDir, name));
    });
  }

  const grants: Record<string, number> = {};
  const grantErrors: string[] = [];
  let reuseDetections = 0;
  provider.on('grant.success', (ctx: { oidc: { params: { grant_type: string } } }) => {
    const type = ctx.oidc.params.grant_type;
    grants[type] = (grants[type] ?? 0) + 1;
  });
  provider.on('grant.error', (_ctx: unknown, error: { error?: string; error_detail?: string }) => {
    grantErrors.push(error.error ?? 'unknown');
    if (process.env.OIDC_DEBUG) console.log('grant.error', error.error, (error as { error_description?: string }).error_description);
    // The detail stays in the server (the answer says only "grant request is invalid").
    if (error.error_detail === 'refresh token already used') reuseDetections++;
  });

  const opaqueExpiry = new Map<string, number>();
  // oidc-provider 9 computes an opaque token's exp into what it stores, not onto the instance it
  // emits: its expiry is the server's now (the test clock, see clockedDate.ts) plus expiresIn.
  const remember = (token: { jti: string; exp?: number; expiresIn?: number }) =>
    opaqueExpiry.set(token.jti, token.exp ?? Math.floor(Date.now() / 1000) + (token.expiresIn ?? 0));
  provider.on('access_token.saved', remember);
  provider.on('client_credentials.saved', remember);

  server.on('request', provider.callback());

  return {
    issuer,
    tokenEndpoint: `${issuer}/token`,
    revocationEndpoint: `${issuer}/token/revocation`,
    grants,
    get reuseDetections() {
      return reuseDetections;
    },
    grantErrors,
    expiryOf(token) {
      if (opaqueExpiry.has(token)) return opaqueExpiry.get(token);
      const [, payload] = token.split('.');
      if (payload === undefined) return undefined;
      const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp?: unknown }).exp;
      return typeof exp === 'number' ? exp : undefined;
    },
    holdNextTokenRequest() {
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      hold = { arrived, released: new Promise<void>((resolve) => (release = resolve)) };
      return { arrived: arrival, release };
    },
    get dropped() {
      return dropped;
    },
    resetCounters() {
      for (const key of Object.keys(grants)) delete grants[key];
      grantErrors.length = 0;
      reuseDetections = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
