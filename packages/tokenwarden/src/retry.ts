import { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from './errors';

/** Largest delay `setTimeout` accepts without overflowing to 1 ms. */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

export interface BackoffPolicy {
  /** First delay ceiling, ms. */
  base: number;
  /** Largest delay ceiling, ms. */
  cap: number;
}

/** @default { base: 250, cap: 4000 } while a caller waits. */
export const FOREGROUND_BACKOFF: BackoffPolicy = { base: 250, cap: 4_000 };
/** @default { base: 1000, cap: 30000 } for refreshes nobody waits on. */
export const BACKGROUND_BACKOFF: BackoffPolicy = { base: 1_000, cap: 30_000 };

function ceilingOf(policy: BackoffPolicy, attempt: number): number {
  return Math.min(policy.cap, policy.base * 2 ** Math.min(Math.max(0, attempt), 30));
}

/**
 * The shortest wait before retry number `attempt + 1`: half the attempt's ceiling. No answer
 * shortens a wait below it, whatever a server or a source says (`Retry-After: 0`, a past date),
 * so the requests one key can cause are bounded by policy alone.
 */
export function backoffFloor(policy: BackoffPolicy, attempt: number): number {
  return ceilingOf(policy, attempt) / 2;
}

/**
 * Jittered exponential backoff above a floor ("equal jitter"): uniform in
 * [ceiling / 2, ceiling), ceiling = min(cap, base * 2^attempt). Still spreads a crowd of clients
 * over half the window, and never retries at once.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const floor = backoffFloor(policy, attempt);
  const r = random();
  return Math.floor(floor + (r >= 0 && r < 1 ? r : 0) * floor);
}

/**
 * The wait before the next attempt: the policy's jittered delay, lengthened (never shortened) to
 * what the server asked for. A server's timing is not jittered.
 */
export function retryDelay(policy: BackoffPolicy, attempt: number, random: () => number, serverDelay: number | undefined): number {
  const own = backoffDelay(policy, attempt, random);
  return serverDelay !== undefined && serverDelay > own ? clampDelay(serverDelay) : own;
}

export function clampDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0;
  return Math.min(ms, MAX_TIMER_DELAY);
}

/**
 * `Retry-After` as delta-seconds or HTTP-date, in ms from `now`. Undefined when absent or unreadable;
 * a date in the past means "now" (0).
 *
 * @example
 * parseRetryAfter('120'); // 120000
 * parseRetryAfter(res.headers.get('retry-after')); // undefined when absent
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  // Stryker disable next-line StringLiteral: comparing with any other text changes nothing: '' then falls to the checks below, which refuse it too, and the other text (no time of day) is refused as well
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return clampDelay(Number(text) * 1000);
  // Only an HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone also takes "-5" or "1.5".
  if (!/[a-z]/i.test(text) || !/\d{1,2}:\d{2}:\d{2}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return clampDelay(date - now);
}

/** Statuses that mean "this session has no token to give" rather than "try again". */
const SIGNED_OUT_STATUSES = new Set([401, 403, 404, 422]);
/** Error codes of a transport failure: Node's socket errors and undici's. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Our own per-attempt timeout, used as the abort reason so it can be told apart from `clear()`. */
export class AttemptTimeout extends Error {
  constructor(ms: number) {
    super(`Token request timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Marks a token refused only because its answer contradicted the server clock the client had
 * learned (set aside as an outlier): if the server's clock really stepped, the next answer agrees
 * with it and is accepted, so the refusal is worth one more attempt.
 */
export const CLOCK_DISAGREES: unique symbol = Symbol('tokenwarden.clockDisagrees');

export type FailureClass =
  | { kind: 'network'; error: unknown }
  | { kind: 'server'; error: TokenFetchError }
  | { kind: 'transient'; error: InvalidTokenError }
  | { kind: 'signed-out' }
  | { kind: 'final'; error: TokenError }
  | { kind: 'bug'; error: unknown };

function readStatus(error: object): number | undefined {
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' && Number.isInteger(status) ? status : undefined;
}

/**
 * The server's `Retry-After`, in ms from now, from what a source threw: a `retryAfter` in ms, or
 * the response `headers`. An HTTP-date is read against the server's clock: the answer's own
 * `Date` header, else `serverNow` (the client's learned server clock), never the local clock.
 */
function readRetryAfter(error: object, serverNow: number): { retryAfter: number | undefined; retryAt: number | undefined } {
  const retryAfter = (error as { retryAfter?: unknown }).retryAfter;
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter)) return { retryAfter: clampDelay(retryAfter), retryAt: undefined };
  const headers = (error as { headers?: { get?: (name: string) => string | null } }).headers;
  // Stryker disable next-line ObjectLiteral: {} and { retryAfter: undefined, retryAt: undefined } give TokenFetchError the same (absent) options
  if (!headers || typeof headers.get !== 'function') return { retryAfter: undefined, retryAt: undefined };
  const date = Date.parse(headers.get('date') ?? '');
  return { retryAfter: parseRetryAfter(headers.get('retry-after'), Number.isNaN(date) ? serverNow : date), retryAt: undefined };
}

/** What a server's answer asks us to wait, ms from now on the server's clock, if anything. */
export function serverDelayOf(error: TokenFetchError, serverNow: number): number | undefined {
  if (error.retryAfter !== undefined) return Number.isFinite(error.retryAfter) ? clampDelay(error.retryAfter) : undefined;
  if (error.retryAt !== undefined && Number.isFinite(error.retryAt)) return clampDelay(error.retryAt - serverNow);
  return undefined;
}

/**
 * Runtimes whose `fetch` rejects a transport failure with a plain `Error` rather than the
 * `TypeError` of browsers, Node, Deno and Bun: Cloudflare workerd ("Network connection lost.").
 */
const NETWORK_MESSAGES = /^(network error|network connection lost)\.?$/i;

function hasNetworkCode(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return hasNetworkCode((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * Sorts what `fetchToken` threw: statuses by their meaning, transport failures as network, our
 * timeouts as network, our own token errors as they are; anything else is a bug in the source and
 * is rethrown unchanged.
 */
export function classifyFailure(error: unknown, serverNow: number = Date.now()): FailureClass {
  if (error instanceof AttemptTimeout || OfflineError.is(error)) return { kind: 'network', error };
  if (InvalidTokenError.is(error)) return (error as { [CLOCK_DISAGREES]?: boolean })[CLOCK_DISAGREES] === true ? { kind: 'transient', error } : { kind: 'final', error };
  if (typeof error === 'object' && error !== null) {
    const status = readStatus(error);
    if (status !== undefined) {
      // OAuth says what an answer means better than its status: only `invalid_grant` (the refresh
      // token or grant is gone) signs out; `invalid_client` on a 401 is a configuration error.
      const oauthError = TokenFetchError.is(error) ? error.oauthError : undefined;
      if (oauthError === 'invalid_grant') return { kind: 'signed-out' };
      if (oauthError !== undefined && status < 500 && status !== 429) return { kind: 'final', error: error as TokenFetchError };
      if (SIGNED_OUT_STATUSES.has(status)) return { kind: 'signed-out' };
      const fetchError = TokenFetchError.is(error) ? error : new TokenFetchError(status, { ...readRetryAfter(error, serverNow), cause: error });
      if (status === 429 || status === 408 || (status >= 500 && status <= 599)) return { kind: 'server', error: fetchError };
      return { kind: 'final', error: fetchError };
    }
    if (TokenError.is(error)) return { kind: 'final', error };
    if (error instanceof TypeError || hasNetworkCode(error)) return { kind: 'network', error };
    const message = (error as { message?: unknown }).message;
    if (error instanceof Error && error.name === 'Error' && typeof message === 'string' && NETWORK_MESSAGES.test(message)) return { kind: 'network', error };
  }
  return { kind: 'bug', error };
}
