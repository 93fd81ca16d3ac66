/**
 * Every error tokenwarden produces on purpose. `code` is a literal union so callers can switch on
 * it; `is()` guards compare a registry symbol and the code, so they work when two copies of the
 * library are bundled or the error crosses a realm (iframe), where `instanceof` fails.
 */
export type TokenErrorCode = 'offline' | 'fetch_failed' | 'invalid_token' | 'destroyed' | 'aborted';

const BRAND = Symbol.for('tokenwarden.TokenError');

function hasBrand(value: unknown): value is TokenError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as { [BRAND]?: unknown; code?: unknown; name?: unknown };
  return candidate[BRAND] === true && typeof candidate.code === 'string';
}

/**
 * Base class of every tokenwarden error. Never carries a raw token. Switch on `code`; use the
 * static `is()` guards rather than `instanceof` (they work across bundles and realms).
 *
 * @example
 * try {
 *   await client.getToken();
 * } catch (error) {
 *   if (!TokenError.is(error)) throw error;
 *   console.warn(error.code); // 'offline' | 'fetch_failed' | 'invalid_token' | 'destroyed' | 'aborted'
 * }
 */
export class TokenError extends Error {
  declare readonly [BRAND]: true;
  readonly code: TokenErrorCode;

  constructor(code: TokenErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'TokenError';
    Object.defineProperty(this, BRAND, { value: true, enumerable: false });
  }

  /**
   * True for any tokenwarden error, from any copy of the library.
   * @example if (TokenError.is(err) && err.code === 'destroyed') return;
   */
  static is(value: unknown): value is TokenError {
    return hasBrand(value);
  }
}

/**
 * No usable token and the network is (or behaves as) unreachable. `cause` holds the last network
 * failure when requests were attempted. This is never "signed out": that is `null`.
 *
 * @example
 * try {
 *   const token = await client.getToken();
 *   if (token === null) return showSignIn();
 *   return callApi(token);
 * } catch (error) {
 *   if (OfflineError.is(error)) return showOfflineBanner(); // retry when `online` fires
 *   throw error;
 * }
 */
export class OfflineError extends TokenError {
  constructor(message = 'Offline: no usable token and the token endpoint is unreachable', options?: { cause?: unknown }) {
    super('offline', message, options);
    this.name = 'OfflineError';
  }

  /** @example if (OfflineError.is(err)) showOfflineBanner(); */
  static override is(value: unknown): value is OfflineError {
    return hasBrand(value) && value.code === 'offline';
  }
}

/**
 * The token endpoint answered with an error status (5xx, 429 after retries, or another 4xx).
 *
 * @example
 * catch (error) {
 *   if (TokenFetchError.is(error) && error.retryAfter) scheduleRetry(error.retryAfter);
 * }
 */
export class TokenFetchError extends TokenError {
  /** HTTP status of the last answer. */
  readonly status: number;
  /** Milliseconds the server asked us to wait (from `Retry-After`), if it said. */
  readonly retryAfter: number | undefined;
  /**
   * When the server said to come back, ms on the server's clock (a `Retry-After` HTTP-date with no
   * `Date` header to measure it against): the client measures it against its learned server clock.
   */
  readonly retryAt: number | undefined;
  /** The OAuth 2.0 `error` code of the answer (`invalid_client`, `invalid_scope`…), when it had one. */
  readonly oauthError: string | undefined;

  constructor(
    status: number,
    options?: { retryAfter?: number | undefined; retryAt?: number | undefined; oauthError?: string | undefined; message?: string; cause?: unknown },
  ) {
    super('fetch_failed', options?.message ?? `Token endpoint answered ${status}`, { cause: options?.cause });
    this.name = 'TokenFetchError';
    this.status = status;
    this.retryAfter = options?.retryAfter;
    this.retryAt = options?.retryAt;
    this.oauthError = options?.oauthError;
  }

  /** @example if (TokenFetchError.is(err)) console.warn('token endpoint answered', err.status); */
  static override is(value: unknown): value is TokenFetchError {
    return hasBrand(value) && value.code === 'fetch_failed';
  }
}

/** Why a token was refused. The token itself is never included. */
export type InvalidTokenReason =
  | 'not-a-jwt'
  | 'bad-json'
  | 'missing-claims'
  | 'bad-lifetime'
  | 'no-expiry'
  | 'expired'
  | 'not-yet-valid'
  | 'issued-in-future'
  | 'too-short-lived'
  | 'bad-response';

/**
 * A token (or a token endpoint body) that cannot be used. Nothing was cached.
 *
 * @example
 * catch (error) {
 *   if (InvalidTokenError.is(error)) reportMisconfiguredIssuer(error.reason); // e.g. 'missing-claims'
 * }
 */
export class InvalidTokenError extends TokenError {
  readonly reason: InvalidTokenReason;

  constructor(reason: InvalidTokenReason, message: string, options?: { cause?: unknown }) {
    super('invalid_token', message, options);
    this.name = 'InvalidTokenError';
    this.reason = reason;
  }

  /** @example if (InvalidTokenError.is(err)) console.error('unusable token:', err.reason); */
  static override is(value: unknown): value is InvalidTokenError {
    return hasBrand(value) && value.code === 'invalid_token';
  }
}
