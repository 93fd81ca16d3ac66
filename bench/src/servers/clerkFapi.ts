import type { ServerResponse } from 'node:http';

/**
 * A loopback stand-in for the part of Clerk's Frontend API (FAPI) that `@clerk/clerk-js` touches
 * between `clerk.load()` and `session.getToken()`, for one production instance with one signed-in
 * user. The shapes are the ones the installed clerk-js build reads (its resource `fromJSON`s):
 *
 * - `GET /v1/environment`: the instance's settings (production, single session, no captcha
 *   heartbeat, no bot protection); unknown sections are left out, as clerk-js defaults them;
 * - `GET /v1/client`: the browser's client, holding one active session whose `last_active_token`
 *   is a fresh session token (as FAPI embeds one);
 * - `POST /v1/client/sessions/{id}/tokens`: a fresh session token, `{ object: "token", jwt }`;
 * - `POST /v1/client/sessions/{id}/touch`: the session, unchanged (clerk-js touches on focus).
 *
 * Every session token is signed like the other servers' tokens (one signature per token, on the
 * server's clock) with Clerk's claim set (`sid`, `sub`, `iat`, `exp`, `nbf`, `azp`, `v`). Each call
 * to `newSession()` signs a new user session in (a new session id), so sessions opened one after
 * another never share clerk-js's per-session token cache entries. It is mounted on the peer server
 * (`servers/peerServer.ts`) under a path prefix that clerk-js is given as its `proxyUrl`, Clerk's own
 * way to reach FAPI through the app's origin.
 */

export interface ClerkFapiOptions {
  /** Session-token lifetime, seconds, read per token (Clerk's own default is 60). */
  ttl: () => number;
  /** The server's clock (ms). */
  now: () => number;
  sign: (payload: Record<string, unknown>) => Promise<string>;
}

export interface ClerkFapi {
  /** A `pk_live_` key whose encoded Frontend API host is a placeholder domain (never contacted). */
  publishableKey: string;
  /** Starts a new signed-in session; `/v1/client` answers with it from now on. */
  newSession(): string;
  /** Answers `method path` (path below the mount point, e.g. `/v1/client`). */
  handle(method: string, path: string, res: ServerResponse): Promise<void>;
}

/** The host the publishable key names; never contacted (every request goes to the proxy URL). */
const FRONTEND_API = 'clerk.bench.invalid';

const notFound = (longMessage: string) => ({ errors: [{ code: 'resource_not_found', message: 'not found', long_message: longMessage }] });

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** One instance, one user, no organizations: request bodies (organization id, tab state) change no answer. */
export function createClerkFapi(options: ClerkFapiOptions): ClerkFapi {
  let sessions = 0;
  let sessionId = '';
  /** Every session signed in here stays valid (earlier pages may still ask for their own). */
  const issued = (sid: string) => /^sess_bench_\d+$/.test(sid) && Number(sid.slice('sess_bench_'.length)) <= sessions;
  const userId = 'user_bench';
  const clientId = 'client_bench';
  const createdAt = options.now();

  const sessionToken = (sid: string): Promise<string> => {
    const iat = Math.floor(options.now() / 1000);
    return options.sign({ azp: 'http://127.0.0.1', exp: iat + options.ttl(), iat, iss: `https://${FRONTEND_API}`, nbf: iat - 10, sid, sub: userId, v: 2 });
  };

  const user = {
    object: 'user',
    id: userId,
    first_name: 'Bench',
    last_name: null,
    username: null,
    image_url: '',
    has_image: false,
    primary_email_address_id: null,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    email_addresses: [],
    phone_numbers: [],
    web3_wallets: [],
    external_accounts: [],
    enterprise_accounts: [],
    passkeys: [],
    organization_memberships: [],
    public_metadata: {},
    unsafe_metadata: {},
    password_enabled: true,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    create_organization_enabled: false,
    delete_self_enabled: false,
    last_sign_in_at: createdAt,
    created_at: createdAt,
    updated_at: createdAt,
  };

  const session = async (sid: string) => {
    const now = options.now();
    return {
      object: 'session',
      id: sid,
      status: 'active',
      expire_at: now + 7 * 86_400_000,
      abandon_at: now + 30 * 86_400_000,
      last_active_at: now,
      last_active_organization_id: null,
      actor: null,
      user,
      public_user_data: { first_name: 'Bench', last_name: null, image_url: '', has_image: false, identifier: 'bench', user_id: userId },
      factor_verification_age: [0, -1],
      tasks: null,
      last_active_token: { object: 'token', jwt: await sessionToken(sid) },
      created_at: createdAt,
      updated_at: now,
    };
  };

  const client = async () => ({
    object: 'client',
    id: clientId,
    sessions: sessionId ? [await session(sessionId)] : [],
    sign_in: null,
    sign_up: null,
    last_active_session_id: sessionId || null,
    captcha_bypass: false,
    cookie_expires_at: null,
    created_at: createdAt,
    updated_at: options.now(),
  });

  const environment = {
    object: 'environment',
    id: 'env_bench',
    auth_config: { object: 'auth_config', id: 'aac_bench', single_session_mode: true, claimed_at: null, reverification: false },
    display_config: {
      object: 'display_config',
      id: 'display_config_bench',
      instance_environment_type: 'production',
      application_name: 'bench',
      captcha_heartbeat: false,
      captcha_provider: 'turnstile',
      captcha_widget_type: null,
      branded: false,
      home_url: 'http://127.0.0.1/',
      sign_in_url: 'http://127.0.0.1/sign-in',
      sign_up_url: 'http://127.0.0.1/sign-up',
    },
    maintenance_mode: false,
    client_debug_mode: false,
    partitioned_cookies: false,
  };

  return {
    publishableKey: `pk_live_${Buffer.from(`${FRONTEND_API}$`).toString('base64')}`,
    newSession() {
      sessionId = `sess_bench_${++sessions}`;
      return sessionId;
    },
    async handle(method, path, res) {
      if (method === 'GET' && path === '/v1/environment') return send(res, 200, environment);
      if (method === 'GET' && path === '/v1/client') return send(res, 200, { response: await client(), client: null });
      const token = /^\/v1\/client\/sessions\/([^/]+)\/tokens$/.exec(path);
      if (method === 'POST' && token) {
        const sid = token[1] ?? '';
        if (!issued(sid)) return send(res, 404, notFound('No session with that id'));
        return send(res, 200, { object: 'token', jwt: await sessionToken(sid) });
      }
      const touch = /^\/v1\/client\/sessions\/([^/]+)\/touch$/.exec(path);
      if (method === 'POST' && touch && issued(touch[1] ?? '')) return send(res, 200, { response: await session(touch[1] ?? ''), client: await client() });
      send(res, 404, notFound(`the bench stand-in has no ${method} ${path}`));
    },
  };
}
