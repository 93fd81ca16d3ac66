import type { Handler, RequestContext } from '../context';
import { sendJson } from '../http';
import { jwksDocument } from '../keys';
import type { Router } from '../router';

/** Public metadata: the JWKS every token verifies against, and discovery documents for OAuth clients. */
export function registerWellKnown(router: Router<Handler>): void {
  router.add('GET', '/.well-known/jwks.json', ({ res, parts }: RequestContext) => {
    // Keys live as long as the process; a short max-age keeps verifiers in step across restarts.
    sendJson(res, 200, jwksDocument(parts.keys), { 'Cache-Control': 'public, max-age=60' });
  });
  const metadata = ({ res, parts }: RequestContext): void => {
    const issuer = parts.issuer();
    sendJson(res, 200, {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      token_endpoint: `${issuer}/oauth/token`,
      grant_types_supported: ['refresh_token'],
      token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'client_secret_post'],
      id_token_signing_alg_values_supported: ['ES256'],
      response_types_supported: [],
    });
  };
  // RFC 8414 and OpenID Connect Discovery: clients look in either place.
  router.add('GET', '/.well-known/oauth-authorization-server', metadata);
  router.add('GET', '/.well-known/openid-configuration', metadata);
}
