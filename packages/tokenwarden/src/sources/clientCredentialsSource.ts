import type { FetchToken, FetchTokenContext, FetchTokenResult } from '../types';
import type { ClientAuth } from './clientAuth';
import { endpointResolver, type EndpointOptions } from './discovery';
import { accessTokenOf, addKeyParameters, requestToken, type AudienceParameter } from './tokenRequest';

/** Options of `clientCredentialsSource`. */
export interface ClientCredentialsSourceOptions extends EndpointOptions {
  clientId: string;
  /** How the client authenticates: `clientSecretBasic`, `clientSecretPost` or `privateKeyJwt`. */
  clientAuth: ClientAuth;
  /** Sent as `scope`. @default none: the client's default scope */
  scope?: string;
  /** A key's `audience` goes out as RFC 8707 `resource`, or as Auth0's `audience`. @default 'resource' */
  audienceParameter?: AudienceParameter;
  /** @default globalThis.fetch, looked up at call time */
  fetch?: typeof globalThis.fetch;
}

/**
 * A `fetchToken` running the OAuth 2.0 `client_credentials` grant (RFC 6749 section 4.4): machine
 * tokens for a server or a worker. Resolves `{ token, expiresIn, serverTime }`, so opaque tokens
 * work. Each key's `audience` is sent as `resource` (RFC 8707) or `audience`; different audiences are
 * different tokens. The client's single flight and refresh-ahead mean one request per key per
 * token lifetime (which matters where providers bill per token); share it across processes with
 * `redisCoordinator`.
 *
 * Errors: `invalid_client`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`… throw
 * `TokenFetchError` (status 400/401, the OAuth code in its `cause`, see `oauthErrorOf`): a wrong
 * secret is a configuration error, not a sign-out. Only `invalid_grant` resolves `null`.
 *
 * @example
 * clientCredentialsSource({ issuer: 'https://auth.example.com', clientId: 'billing', clientAuth: clientSecretBasic(secret), scope: 'invoices:read' })
 */
export function clientCredentialsSource(options: ClientCredentialsSourceOptions): FetchToken {
  if (options.clientAuth.method === 'none') throw new TypeError('clientCredentialsSource: a confidential client needs clientAuth other than none()');
  const fetchOf = () => options.fetch ?? globalThis.fetch;
  const resolveEndpoint = endpointResolver(options, fetchOf, 'clientCredentialsSource');

  return async (context: FetchTokenContext): Promise<FetchTokenResult> => {
    const { tokenEndpoint, issuer } = await resolveEndpoint();
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    addKeyParameters(body, context, options.scope, options.audienceParameter);
    const answer = await requestToken({ tokenEndpoint, issuer, clientId: options.clientId, clientAuth: options.clientAuth, body, fetch: fetchOf(), signal: context.signal });
    if (answer.kind === 'invalid-grant') return null;
    return { ...accessTokenOf(answer.body), serverTime: answer.serverTime };
  };
}
