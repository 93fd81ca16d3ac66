import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createSigner } from '../harness/jwt';
import { createClerkFapi, type ClerkFapi } from './clerkFapi';

/**
 * One loopback HTTP server that speaks each peer's own token protocol, minting tokens on the same
 * clock and with the same lifetime as the devserver does for tokenwarden:
 *
 * - Supabase GoTrue: `POST /auth/v1/token?grant_type=password|refresh_token` (JSON), answering
 *   `expires_in` and the absolute `expires_at` as GoTrue does;
 * - OAuth 2.0 / OIDC (Auth0, oidc-client-ts, keycloak-js): `GET /authorize` (302 back with a code),
 *   `POST /oauth/token` and `POST /realms/bench/protocol/openid-connect/token`
 *   (authorization_code and refresh_token grants, form-encoded);
 * - Firebase Auth (through `connectAuthEmulator`): `accounts:signUp`, `accounts:lookup` and the
 *   securetoken `token` endpoint, at the emulator's URL layout;
 * - Clerk's Frontend API, the part clerk-js uses to load and get session tokens (`clerkFapi.ts`),
 *   under `/clerk`, which clerk-js is given as its `proxyUrl`.
 *
 * Tokens are ES256-signed as the devserver's are (same work per token on every server). Refresh
 * tokens are accepted without reuse detection: rotation policy is not what is measured.
 */

export interface PeerServerOptions {
  /** Access-token lifetime, seconds. */
  ttl: number;
  /** The server's clock (ms). */
  now: () => number;
}

export interface PeerServer {
  url: string;
  close(): Promise<void>;
  /** ID-token lifetime, seconds (long, as the providers' defaults are: hours). */
  readonly idTokenTtl: number;
  setTtl(ttl: number): void;
  /** Clerk's Frontend API stand-in: pass `proxyUrl` and `publishableKey` to clerk-js. */
  readonly clerk: Pick<ClerkFapi, 'publishableKey' | 'newSession'> & { proxyUrl: string };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseParams(raw: string, contentType: string | undefined): Record<string, string> {
  if (contentType?.includes('application/json')) {
    const json = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    return Object.fromEntries(Object.entries(json).map(([k, v]) => [k, String(v)]));
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'access-control-allow-origin': '*',
    ...headers,
  });
  res.end(text);
}

export async function startPeerServer(options: PeerServerOptions): Promise<PeerServer> {
  let ttl = options.ttl;
  const idTokenTtl = 36_000;
  const nowSeconds = () => Math.floor(options.now() / 1000);
  let url = '';
  const signer = await createSigner();
  const jwt = (payload: Record<string, unknown>) => signer.sign(payload);
  /** authorization code -> the nonce the client sent to /authorize (OIDC echoes it in the ID token). */
  const codes = new Map<string, { nonce: string | undefined }>();
  const clerk = createClerkFapi({ ttl: () => ttl, now: options.now, sign: jwt });

  const accessToken = (sub: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const iat = nowSeconds();
    return jwt({ iss: url, sub, aud: 'bench-api', iat, exp: iat + ttl, jti: randomUUID(), ...extra });
  };

  const idTokens = new Map<string, string>();
  /** A JWT, as Keycloak's are (keycloak-js decodes it); the others treat it as opaque. */
  let refreshToken: string | undefined;
  const oauthToken = async (params: Record<string, string>, res: ServerResponse, issuer: string): Promise<void> => {
    const clientId = params['client_id'] ?? 'bench-client';
    let nonce: string | undefined;
    if (params['grant_type'] === 'authorization_code') {
      const code = codes.get(params['code'] ?? '');
      if (!code) return send(res, 400, { error: 'invalid_grant' });
      codes.delete(params['code'] ?? '');
      nonce = code.nonce;
    } else if (params['grant_type'] === 'password') {
      // Resource-owner password grant: any user signs in (the sign-in is setup, not measured).
    } else if (params['grant_type'] !== 'refresh_token' || !params['refresh_token']) {
      return send(res, 400, { error: 'unsupported_grant_type' });
    }
    // One signature per refresh, as on the devserver: the long-lived ID and refresh tokens are
    // signed once and reused (only the sign-in's ID token carries a fresh nonce).
    const mintId = () => jwt({ iss: issuer, sub: 'user_bench', aud: clientId, iat: nowSeconds(), exp: nowSeconds() + idTokenTtl, ...(nonce ? { nonce } : {}) });
    const idKey = `${issuer} ${clientId}`;
    const id = nonce ? await mintId() : (idTokens.get(idKey) ?? idTokens.set(idKey, await mintId()).get(idKey)!);
    refreshToken ??= await jwt({ typ: 'Refresh', sub: 'user_bench', iat: nowSeconds(), exp: nowSeconds() + 30 * 86_400, jti: randomUUID() });
    send(res, 200, {
      access_token: await accessToken('user_bench'),
      id_token: id,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: ttl,
      scope: params['scope'] ?? 'openid profile email offline_access',
    });
  };

  const firebaseUser = { localId: 'user_bench', email: 'bench@example.invalid', emailVerified: true, providerUserInfo: [], createdAt: '0', lastLoginAt: '0' };
  const firebaseIdToken = (): Promise<string> => {
    const iat = nowSeconds();
    return jwt({ iss: 'https://securetoken.google.com/bench', aud: 'bench', auth_time: iat, user_id: 'user_bench', sub: 'user_bench', iat, exp: iat + ttl, firebase: { sign_in_provider: 'anonymous' } });
  };

  const server = createServer((req, res) => {
    void (async () => {
      const target = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = target.pathname;
      if (req.method === 'OPTIONS') return send(res, 204, {});
      const params = parseParams(await readBody(req), req.headers['content-type']);
      if (path.startsWith('/clerk/')) return await clerk.handle(req.method ?? 'GET', path.slice('/clerk'.length), res);
      // Supabase GoTrue
      if (req.method === 'POST' && path === '/auth/v1/token') {
        const grant = target.searchParams.get('grant_type');
        if (grant !== 'password' && grant !== 'refresh_token') return send(res, 400, { error: 'unsupported_grant_type' });
        const at = await accessToken('user_bench', { role: 'authenticated', session_id: 'sess_bench' });
        return send(res, 200, {
          access_token: at,
          token_type: 'bearer',
          expires_in: ttl,
          expires_at: nowSeconds() + ttl,
          refresh_token: `rt_${randomUUID()}`,
          user: { id: 'user_bench', aud: 'authenticated', role: 'authenticated', email: 'bench@example.invalid', app_metadata: {}, user_metadata: {}, created_at: new Date(0).toISOString() },
        });
      }
      // OAuth 2.0 / OIDC
      if (req.method === 'GET' && path === '/authorize') {
        const code = randomUUID();
        codes.set(code, { nonce: target.searchParams.get('nonce') ?? undefined });
        const back = new URL(target.searchParams.get('redirect_uri') ?? 'http://127.0.0.1/');
        back.searchParams.set('code', code);
        back.searchParams.set('state', target.searchParams.get('state') ?? '');
        res.writeHead(302, { location: back.href, 'content-length': 0 });
        return res.end();
      }
      if (req.method === 'POST' && path === '/oauth/token') return await oauthToken(params, res, `${url}/`);
      if (req.method === 'POST' && path === '/realms/bench/protocol/openid-connect/token') return await oauthToken(params, res, `${url}/realms/bench`);
      // Firebase Auth, emulator URL layout
      if (req.method === 'POST' && path === '/identitytoolkit.googleapis.com/v1/accounts:signUp') {
        return send(res, 200, { kind: 'identitytoolkit#SignupNewUserResponse', idToken: await firebaseIdToken(), refreshToken: `rt_${randomUUID()}`, expiresIn: String(ttl), localId: 'user_bench' });
      }
      if (req.method === 'POST' && path === '/identitytoolkit.googleapis.com/v1/accounts:lookup') {
        return send(res, 200, { kind: 'identitytoolkit#GetAccountInfoResponse', users: [firebaseUser] });
      }
      if (req.method === 'POST' && path === '/securetoken.googleapis.com/v1/token') {
        const idToken = await firebaseIdToken();
        return send(res, 200, {
          access_token: idToken,
          expires_in: String(ttl),
          token_type: 'Bearer',
          refresh_token: `rt_${randomUUID()}`,
          id_token: idToken,
          user_id: 'user_bench',
          project_id: 'bench',
        });
      }
      send(res, 404, { error: 'not_found', path });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'internal', message: String(error) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    get url() {
      return url;
    },
    idTokenTtl,
    clerk: {
      get proxyUrl() {
        return `${url}/clerk`;
      },
      publishableKey: clerk.publishableKey,
      newSession: () => clerk.newSession(),
    },
    setTtl(next: number) {
      ttl = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
