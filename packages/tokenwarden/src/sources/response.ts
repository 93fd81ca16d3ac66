import { InvalidTokenError, TokenFetchError } from '../errors';
import { parseRetryAfter } from '../retry';

/**
 * The server's clock from the `Date` header (ms), or undefined when absent or unreadable.
 * Whole seconds, floored like the server's `iat`: a token's age measured against it reads up to a
 * second young, which `minValidity` absorbs. Rounding it later was tried and cost short tokens a
 * third of their served life (a 6 s token refreshed every 2 s, not 3).
 */
export function serverTimeOf(response: Response): number | undefined {
  const header = response.headers.get('date');
  if (header === null) return undefined;
  const time = Date.parse(header);
  return Number.isNaN(time) ? undefined : time;
}

/**
 * The body as JSON, `undefined` when it is not JSON. Reading errors (connection cut mid-body, the
 * signal aborted) propagate unchanged: they are network failures, not bad responses.
 */
export async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Frees the connection of an answer whose body we do not need. */
export async function discardBody(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to free.
  }
}

/**
 * The `error` code of an error body when it looks like a code (`invalid_grant`, `rate_limited`:
 * lowercase letters and underscores), so it can go into a message without risk. Free text, or
 * anything with the digits, dots and dashes every token has, could be a token echoed back.
 */
export function errorCodeOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const code = (body as { error?: unknown }).error;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? code : undefined;
}

/**
 * When a failed answer says to come back. An HTTP-date `Retry-After` is measured against the
 * server's own `Date` when it sent one; without one it stays a date (`retryAt`, server clock) for
 * the client to measure against the server clock it learned, never the local clock.
 */
export function retryTimingOf(response: Response): { retryAfter: number | undefined; retryAt: number | undefined } {
  const value = response.headers.get('retry-after');
  const serverTime = serverTimeOf(response);
  if (serverTime !== undefined || value === null || /^\s*\d+\s*$/.test(value)) {
    return { retryAfter: parseRetryAfter(value, serverTime ?? 0), retryAt: undefined };
  }
  const at = Date.parse(value);
  return { retryAfter: undefined, retryAt: Number.isNaN(at) ? undefined : at };
}

/** A `TokenFetchError` for a failed answer, with its `Retry-After` and OAuth `error` code. */
export function statusError(response: Response, what: string, body: unknown): TokenFetchError {
  const code = errorCodeOf(body);
  return new TokenFetchError(response.status, {
    ...retryTimingOf(response),
    oauthError: code,
    message: `${what} answered ${response.status}${code ? ` (${code})` : ''}`,
  });
}

export function badResponse(what: string, detail: string): InvalidTokenError {
  return new InvalidTokenError('bad-response', `${what} answered 2xx but ${detail}`);
}
