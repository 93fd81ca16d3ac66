import { describe, expect, it } from 'vitest';
import { InvalidTokenError, OfflineError, TokenFetchError } from './errors';
import { AttemptTimeout, BACKGROUND_BACKOFF, FOREGROUND_BACKOFF, MAX_TIMER_DELAY, backoffDelay, classifyFailure, parseRetryAfter } from './retry';

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 0, 1, 0, 0, 0);
  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', 0],
    ['99999999999', MAX_TIMER_DELAY],
  ])('%j -> %i ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
  it.each([null, undefined, '', 'soon', '-5', '1.5'])('%j -> undefined', (value) => {
    expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

describe('backoffDelay (full jitter)', () => {
  it('stays within [ceiling / 2, ceiling), ceiling = min(cap, base * 2^attempt): never 0', () => {
    expect(backoffDelay(FOREGROUND_BACKOFF, 0, () => 0.999)).toBe(249);
    expect(backoffDelay(FOREGROUND_BACKOFF, 3, () => 0.999)).toBe(1_999);
    expect(backoffDelay(FOREGROUND_BACKOFF, 10, () => 0.999)).toBe(3_998);
    expect(backoffDelay(BACKGROUND_BACKOFF, 10, () => 0.999)).toBe(29_985);
    expect(backoffDelay(BACKGROUND_BACKOFF, 1_000, () => 0.5)).toBe(22_500);
    expect(backoffDelay(FOREGROUND_BACKOFF, 2, () => 0)).toBe(500);
    expect(backoffDelay(FOREGROUND_BACKOFF, 0, () => 0)).toBe(125);
    // A broken random source cannot take the delay below the floor or past the ceiling.
    expect(backoffDelay(FOREGROUND_BACKOFF, 0, () => Number.NaN)).toBe(125);
    expect(backoffDelay(FOREGROUND_BACKOFF, 0, () => 7)).toBe(125);
    expect(backoffDelay(FOREGROUND_BACKOFF, 0, () => -1)).toBe(125);
  });
});

describe('classifyFailure', () => {
  it('workerd network failures (a plain Error "Network connection lost.") are network failures; other plain Errors are bugs', () => {
    expect(classifyFailure(new Error('Network connection lost.')).kind).toBe('network');
    expect(classifyFailure(new Error('network connection lost of the database')).kind).toBe('bug');
    expect(classifyFailure(new RangeError('Network connection lost.')).kind).toBe('bug');
  });

  it('maps statuses', () => {
    for (const status of [401, 403, 404, 422]) expect(classifyFailure({ status }).kind).toBe('signed-out');
    for (const status of [408, 429, 500, 502, 503, 599]) expect(classifyFailure({ status }).kind).toBe('server');
    for (const status of [400, 405, 409, 418]) expect(classifyFailure({ status }).kind).toBe('final');
  });

  it('wraps a plain status error into TokenFetchError with Retry-After from headers', () => {
    const failure = classifyFailure({ status: 429, headers: new Headers({ 'retry-after': '7' }) });
    expect(failure.kind).toBe('server');
    if (failure.kind !== 'server') return;
    expect(failure.error).toBeInstanceOf(TokenFetchError);
    expect(failure.error.retryAfter).toBe(7_000);
  });

  it('treats transport failures, our timeouts and OfflineError as network', () => {
    expect(classifyFailure(new TypeError('fetch failed')).kind).toBe('network');
    expect(classifyFailure(Object.assign(new Error('x'), { code: 'ECONNRESET' })).kind).toBe('network');
    expect(classifyFailure(new Error('wrapped', { cause: { code: 'ENOTFOUND' } })).kind).toBe('network');
    expect(classifyFailure(new AttemptTimeout(10)).kind).toBe('network');
    expect(classifyFailure(new OfflineError()).kind).toBe('network');
  });

  it('keeps our own token errors and flags everything else as a bug', () => {
    expect(classifyFailure(new InvalidTokenError('expired', 'x')).kind).toBe('final');
    expect(classifyFailure(new RangeError('x')).kind).toBe('bug');
    expect(classifyFailure('a string').kind).toBe('bug');
    expect(classifyFailure(undefined).kind).toBe('bug');
  });
});
