import { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from 'tokenwarden';

/**
 * A short, safe description of a failure: the error's kind and its data (status, Retry-After),
 * never free text from a server, so nothing token-like can reach the page.
 */
export function describeError(error: unknown): string {
  if (OfflineError.is(error)) return 'OfflineError';
  if (TokenFetchError.is(error)) {
    const wait = error.retryAfter === undefined ? '' : `, Retry-After ${Math.round(error.retryAfter / 100) / 10} s`;
    return `TokenFetchError ${error.status}${wait}`;
  }
  if (InvalidTokenError.is(error)) return `InvalidTokenError (${error.reason})`;
  if (TokenError.is(error)) return `TokenError (${error.code})`;
  if (error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)) {
    const name = String((error as { name: unknown }).name);
    if (name === 'AbortError' || name === 'TimeoutError') return 'request timed out';
    // fetch() rejects with a TypeError when the connection fails or is refused.
    if (name === 'TypeError') return 'network error';
    return name;
  }
  return 'unknown error';
}

/** The name of the error class, for `data-outcome` attributes and short labels. */
export function errorName(error: unknown): string {
  if (OfflineError.is(error)) return 'OfflineError';
  if (TokenFetchError.is(error)) return 'TokenFetchError';
  if (InvalidTokenError.is(error)) return 'InvalidTokenError';
  if (TokenError.is(error)) return 'TokenError';
  return error instanceof Error ? error.name : 'Error';
}
