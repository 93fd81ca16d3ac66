/**
 * The OAuth `error` code of a refused token request (RFC 6749 section 5.2), attached as the `cause`
 * of a `TokenFetchError`. Holds the code only: `error_description` is free text a server may fill
 * with anything, including what it was sent, so it is never kept.
 *
 * @example
 * catch (error) {
 *   if (TokenFetchError.is(error) && error.oauthError === 'invalid_client') alertOps('check the client secret');
 * }
 */
export class OAuthError extends Error {
  /** `invalid_client`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`… */
  readonly oauthError: string;

  constructor(oauthError: string) {
    super(`The authorization server refused the request: ${oauthError}`);
    this.name = 'OAuthError';
    this.oauthError = oauthError;
  }
}

/**
 * The OAuth `error` code behind a failure from `oauth2RefreshSource` or `clientCredentialsSource`,
 * or `undefined` when the failure was not an OAuth error answer (network, 5xx, bad body).
 *
 * @example
 * catch (error) {
 *   if (oauthErrorOf(error) === 'invalid_client') alertOps('the client secret was rotated');
 * }
 */
export function oauthErrorOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 3; depth++) {
    const code = (current as { oauthError?: unknown }).oauthError;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
