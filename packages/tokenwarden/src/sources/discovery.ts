import { InvalidTokenError } from '../errors';
import { discardBody, readJson, statusError } from './response';

/** The fields of an authorization server's metadata that the sources use (RFC 8414, OIDC Discovery). */
export interface ServerMetadata {
  issuer: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  [field: string]: unknown;
}

const WHAT = 'Discovery';
/** Longest a discovery request may take, ms. */
const DISCOVERY_TIMEOUT = 10_000;

/** `/.well-known/openid-configuration` appended to the issuer (OIDC Discovery section 4). */
function openIdConfigurationUrl(issuer: URL): string {
  return `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`;
}

/** RFC 8414 section 3: the well-known segment goes between the host and the issuer's path. */
function authorizationServerUrl(issuer: URL): string {
  const path = issuer.pathname === '/' ? '' : issuer.pathname.replace(/\/$/, '');
  return `${issuer.origin}/.well-known/oauth-authorization-server${path}`;
}

async function fetchMetadata(url: string, fetchImpl: typeof fetch, signal: AbortSignal | undefined): Promise<unknown> {
  const response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal });
  if (response.status === 404) {
    await discardBody(response);
    return undefined;
  }
  const json = await readJson(response);
  // A server error may pass (retried by the client); anything else is a setup mistake.
  if (!response.ok && (response.status >= 500 || response.status === 429 || response.status === 408)) throw statusError(response, WHAT, json);
  if (!response.ok) throw new InvalidTokenError('bad-response', `${WHAT} at ${url} answered ${response.status}`);
  return json;
}

/**
 * Loads the metadata of `issuer`: OpenID Connect Discovery first, then RFC 8414, and checks that
 * the document names the same issuer (both specs require it; a mismatch means a misconfigured or
 * impersonating server, so nothing of it is used).
 */
export async function discover(issuer: string, fetchImpl: typeof fetch, signal?: AbortSignal): Promise<ServerMetadata> {
  const url = new URL(issuer);
  let document = await fetchMetadata(openIdConfigurationUrl(url), fetchImpl, signal);
  if (document === undefined) document = await fetchMetadata(authorizationServerUrl(url), fetchImpl, signal);
  if (document === undefined) throw new InvalidTokenError('bad-response', `${WHAT}: ${issuer} publishes no OpenID or RFC 8414 metadata`);
  if (typeof document !== 'object' || document === null) throw new InvalidTokenError('bad-response', `${WHAT}: the metadata of ${issuer} is not a JSON object`);
  const metadata = document as Partial<ServerMetadata>;
  if (metadata.issuer !== issuer) throw new InvalidTokenError('bad-response', `${WHAT}: the metadata names issuer ${String(metadata.issuer)}, not ${issuer}`);
  if (typeof metadata.token_endpoint !== 'string') throw new InvalidTokenError('bad-response', `${WHAT}: the metadata of ${issuer} has no token_endpoint`);
  return metadata as ServerMetadata;
}

/** Where a source sends token requests, learned once. */
export interface EndpointOptions {
  /** The token endpoint. Give this or `issuer` (or both: then no discovery is made). @default undefined (learned from `issuer`) */
  tokenEndpoint?: string | URL | undefined;
  /**
   * The issuer identifier (e.g. `https://tenant.eu.auth0.com/`): its metadata is fetched once
   * (`/.well-known/openid-configuration`, else RFC 8414's `oauth-authorization-server`), must name
   * this exact issuer, and gives the token endpoint.
   * @default undefined (no discovery: `tokenEndpoint` is required)
   */
  issuer?: string | URL | undefined;
}

export interface ResolvedEndpoint {
  tokenEndpoint: string;
  issuer: string | undefined;
}

/**
 * A function resolving the token endpoint: at once when given, else by discovery, made once and
 * cached; a failed discovery is forgotten so the next call tries again.
 */
export function endpointResolver(options: EndpointOptions, fetchOf: () => typeof fetch, name: string): () => Promise<ResolvedEndpoint> {
  const issuer = options.issuer === undefined ? undefined : String(options.issuer);
  if (options.tokenEndpoint !== undefined) {
    const resolved = Promise.resolve({ tokenEndpoint: String(options.tokenEndpoint), issuer });
    return () => resolved;
  }
  if (issuer === undefined) throw new TypeError(`${name}: pass tokenEndpoint or issuer`);
  let pending: Promise<ResolvedEndpoint> | undefined;
  return () => {
    if (!pending) {
      // Not tied to one caller's signal (a caller giving up must not fail the shared discovery),
      // but bounded, so a hung server cannot hold every later call.
      const current = discover(issuer, fetchOf(), AbortSignal.timeout(DISCOVERY_TIMEOUT)).then(
        (metadata) => ({ tokenEndpoint: metadata.token_endpoint, issuer }),
        (error: unknown) => {
          // A hung server is a network failure (retried, then OfflineError), like a failed fetch.
          if ((error as { name?: unknown } | null)?.name === 'TimeoutError') throw new TypeError(`${WHAT} of ${issuer} timed out`, { cause: error });
          throw error;
        },
      );
      pending = current;
      current.catch(() => {
        if (pending === current) pending = undefined;
      });
    }
    return pending;
  };
}
