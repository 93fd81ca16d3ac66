import { REDIRECT_URI } from './oidcServer';

/**
 * Gets a refresh token the way a real app does: the authorization-code flow with PKCE (RFC 7636),
 * over HTTP, through oidc-provider's own login and consent interactions (its dev interactions: any
 * login is accepted), then the code exchange at the token endpoint.
 */

/** Cookies by name, as a browser would keep them for this one host (paths ignored: harmless here). */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => /^\s*expires=/i.test(attribute) && Date.parse(attribute.split('=')[1] ?? '') < Date.now());
      if (value === '' || expired) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

const base64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');

export interface AuthorizeOptions {
  issuer: string;
  clientId: string;
  /** How the code exchange authenticates the client. @default public client (client_id in the body) */
  exchangeAuth?: { method: 'basic' | 'post'; secret: string };
  scope?: string;
  /** RFC 8707 resources to include in the grant (their tokens are then available on refresh). */
  resources?: string[];
  login?: string;
}

export interface Authorized {
  refreshToken: string;
  accessToken: string;
  expiresIn: number;
}

export async function authorize(options: AuthorizeOptions): Promise<Authorized> {
  const jar = new CookieJar();
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = base64url(crypto.getRandomValues(new Uint8Array(12)));
  const authUrl = new URL(`${options.issuer}/auth`);
  const query: [string, string][] = [
    ['client_id', options.clientId],
    ['response_type', 'code'],
    ['redirect_uri', REDIRECT_URI],
    ['scope', options.scope ?? 'openid offline_access api:read'],
    // oidc-provider grants offline_access (a refresh token) only with an explicit consent prompt.
    ['prompt', 'consent'],
    ['code_challenge', challenge],
    ['code_challenge_method', 'S256'],
    ['state', state],
    ...(options.resources ?? []).map((resource): [string, string] => ['resource', resource]),
  ];
  for (const [name, value] of query) authUrl.searchParams.append(name, value);

  const request = async (url: string, init: RequestInit = {}) => {
    const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: jar.header() } });
    jar.take(response);
    return response;
  };

  let location = authUrl.href;
  for (let step = 0; step < 12; step++) {
    if (location.startsWith(REDIRECT_URI)) {
      const callback = new URL(location);
      if (callback.searchParams.get('state') !== state) throw new Error('state mismatch');
      const codeValue = callback.searchParams.get('code');
      if (!codeValue) throw new Error(`authorization failed: ${callback.searchParams.get('error')}`);
      return exchange(options, codeValue, verifier);
    }
    const response = await request(location);
    if (response.status >= 300 && response.status < 400) {
      location = new URL(response.headers.get('location')!, location).href;
      continue;
    }
    if (response.status !== 200) throw new Error(`unexpected ${response.status} at ${location}`);
    // An interaction page: answer its prompt the way its form would.
    const page = await response.text();
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    const form = new URLSearchParams(prompt === 'login' ? { prompt, login: options.login ?? 'alice', password: 'any' } : { prompt: prompt ?? '' });
    const submitted = await request(location, { method: 'POST', body: form.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (submitted.status < 300 || submitted.status >= 400) throw new Error(`interaction ${prompt} answered ${submitted.status}`);
    location = new URL(submitted.headers.get('location')!, location).href;
  }
  throw new Error('too many redirects');
}

async function exchange(options: AuthorizeOptions, code: string, verifier: string): Promise<Authorized> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  const auth = options.exchangeAuth;
  if (auth?.method === 'basic') {
    headers.authorization = `Basic ${btoa(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(auth.secret)}`)}`;
  } else {
    body.set('client_id', options.clientId);
    if (auth?.method === 'post') body.set('client_secret', auth.secret);
  }
  const response = await fetch(`${options.issuer}/token`, { method: 'POST', headers, body: body.toString() });
  const json = (await response.json()) as { refresh_token?: string; access_token?: string; expires_in?: number; error?: string };
  if (!response.ok || !json.refresh_token || !json.access_token) throw new Error(`code exchange failed: ${response.status} ${json.error ?? ''}`);
  return { refreshToken: json.refresh_token, accessToken: json.access_token, expiresIn: json.expires_in ?? 0 };
}
