import { signClientAssertion, type AssertionKey, type AssertionOptions } from './clientAssertion';

/** What a client authentication method may add to one token request. */
export interface ClientAuthRequest {
  readonly clientId: string;
  /** Where this request goes. */
  readonly tokenEndpoint: string;
  /** The issuer identifier, when the source was given one. */
  readonly issuer: string | undefined;
  readonly body: URLSearchParams;
  readonly headers: Headers;
}

/**
 * How a source proves who the client is at the token endpoint (RFC 6749 section 2.3, RFC 7523).
 * Build one with `none()`, `clientSecretBasic(secret)`, `clientSecretPost(secret)` or
 * `privateKeyJwt(key, { kid })`. The secret or key lives in a closure: it is not a property, so it
 * cannot leak through `JSON.stringify`, a logged options object or an error.
 */
export interface ClientAuth {
  /** The `token_endpoint_auth_method` name (RFC 7591). */
  readonly method: 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  apply(request: ClientAuthRequest): void | Promise<void>;
}

/**
 * A public client (a browser app, a mobile app): only `client_id` in the body. The default.
 *
 * @example
 * oauth2RefreshSource({ issuer, clientId: 'spa', clientAuth: none(), store })
 */
export function none(): ClientAuth {
  return {
    method: 'none',
    apply({ clientId, body }) {
      body.set('client_id', clientId);
    },
  };
}

/**
 * `client_secret_basic`: HTTP Basic with the id and secret form-encoded first, as RFC 6749
 * section 2.3.1 asks (servers decode them; a secret with `:` or `%` breaks without it).
 *
 * @example
 * clientCredentialsSource({ issuer, clientId: 'billing', clientAuth: clientSecretBasic(process.env.CLIENT_SECRET!) })
 */
export function clientSecretBasic(secret: string): ClientAuth {
  return {
    method: 'client_secret_basic',
    apply({ clientId, headers }) {
      headers.set('authorization', `Basic ${btoa(`${formEncode(clientId)}:${formEncode(secret)}`)}`);
    },
  };
}

/**
 * `client_secret_post`: `client_id` and `client_secret` in the form body.
 *
 * @example
 * oauth2RefreshSource({ issuer, clientId: 'web', clientAuth: clientSecretPost(secret), store })
 */
export function clientSecretPost(secret: string): ClientAuth {
  return {
    method: 'client_secret_post',
    apply({ clientId, body }) {
      body.set('client_id', clientId);
      body.set('client_secret', secret);
    },
  };
}

/**
 * `private_key_jwt` (RFC 7523 section 2.2, OIDC Core section 9): a JWT signed with the client's
 * private key, fresh for every request (new `jti`, `exp` a minute ahead), so a captured assertion is
 * worth little. Signed with WebCrypto: RS256/384/512, PS256/384/512, ES256/384/512 and EdDSA
 * (Ed25519). `aud` is the token endpoint the assertion is sent to (what Entra ID, Okta and OIDC Core
 * ask for); `audience: 'issuer'` sends the issuer identifier instead (RFC 7523bis).
 *
 * @example
 * const key = JSON.parse(process.env.CLIENT_JWK!); // a private JWK
 * clientCredentialsSource({ issuer, clientId: 'worker', clientAuth: privateKeyJwt(key, { kid: key.kid }) })
 */
export function privateKeyJwt(key: AssertionKey, options: AssertionOptions = {}): ClientAuth {
  return {
    method: 'private_key_jwt',
    async apply({ clientId, tokenEndpoint, issuer, body }) {
      const assertion = await signClientAssertion(key, options, clientId, tokenEndpoint, issuer);
      body.set('client_id', clientId);
      body.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
      body.set('client_assertion', assertion);
    },
  };
}

/** application/x-www-form-urlencoded for one value (spaces as `+`). */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}
