import { describe, expect, it } from 'vitest';
import { TokenFetchError } from './errors';
import {
  AttemptTimeout,
  BACKGROUND_BACKOFF,
  FOREGROUND_BACKOFF,
  MAX_TIMER_DELAY,
  backoffDelay,
  classifyFailure,
  clampDelay,
  parseRetryAfter,
  retryDelay,
  serverDelayOf,
} from './retry';

// The server's clock in these tests: far from the machine's clock, so a wait measured against the
// local clock instead would show.
const SERVER_NOW = Date.UTC(2026, 0, 1, 0, 0, 0);
const IN_30_S = 'Thu, 01 Jan 2026 00:00:30 GMT';

describe('timer bounds', () => {
  it('the largest wait is the largest delay setTimeout takes (2^31 - 1 ms), not one more', () => {
    expect(MAX_TIMER_DELAY).toBe(2_147_483_647);
    expect(clampDelay(1e12)).toBe(2_147_483_647);
    expect(clampDelay(Number.POSITIVE_INFINITY)).toBe(0);
    expect(clampDelay(Number.NaN)).toBe(0);
    expect(clampDelay(-1)).toBe(0);
    expect(clampDelay(1_500)).toBe(1_500);
  });
});

describe('backoff floor', () => {
  it('a random source answering exactly 1 (outside [0, 1)) waits the floor, never the ceiling', () => {
    expect(backoffDelay(FOREGROUND_BACKOFF, 0, () => 1)).toBe(125);
    expect(backoffDelay(BACKGROUND_BACKOFF, 5, () => 1)).toBe(15_000);
  });

  it('a server may lengthen the wait, never shorten it, and never past the timer limit', () => {
    const atFloor = () => 0;
    expect(retryDelay(FOREGROUND_BACKOFF, 0, atFloor, undefined)).toBe(125);
    expect(retryDelay(FOREGROUND_BACKOFF, 0, atFloor, 0)).toBe(125);
    expect(retryDelay(FOREGROUND_BACKOFF, 0, atFloor, 100)).toBe(125);
    expect(retryDelay(FOREGROUND_BACKOFF, 0, atFloor, Number.NaN)).toBe(125);
    expect(retryDelay(FOREGROUND_BACKOFF, 0, atFloor, 126)).toBe(126);
    expect(retryDelay(BACKGROUND_BACKOFF, 0, atFloor, 10_000)).toBe(10_000);
    expect(retryDelay(BACKGROUND_BACKOFF, 0, atFloor, 1e12)).toBe(MAX_TIMER_DELAY);
  });
});

describe('parseRetryAfter accepts only delta-seconds or an HTTP-date', () => {
  it.each([
    ['a date without letters', '2026-01-01 00:00:30'],
    ['a date without a time of day', 'Thu, 01 Jan 2026'],
    ['a time with one-digit seconds', 'Thu, 01 Jan 2026 00:00:3 GMT'],
    ['an unparseable date with a time', 'Blursday, 99 Foo 2026 00:00:30 GMT'],
    ['blank', '   '],
  ])('%s is unreadable (undefined), not "now"', (_, value) => {
    expect(parseRetryAfter(value, SERVER_NOW)).toBeUndefined();
  });

  it('an HTTP-date is measured from the given clock', () => {
    expect(parseRetryAfter(IN_30_S, SERVER_NOW)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', SERVER_NOW + 10_000)).toBe(20_000);
  });
});

describe('serverDelayOf: what a TokenFetchError asks us to wait', () => {
  it('a retryAfter in ms is taken as it is (clamped)', () => {
    expect(serverDelayOf(new TokenFetchError(503, { retryAfter: 2_000 }), SERVER_NOW)).toBe(2_000);
    expect(serverDelayOf(new TokenFetchError(503, { retryAfter: -5 }), SERVER_NOW)).toBe(0);
    expect(serverDelayOf(new TokenFetchError(503, { retryAfter: Number.NaN }), SERVER_NOW)).toBeUndefined();
  });

  it('a retryAt on the server clock is measured against the server clock given', () => {
    expect(serverDelayOf(new TokenFetchError(503, { retryAt: SERVER_NOW + 5_000 }), SERVER_NOW)).toBe(5_000);
    expect(serverDelayOf(new TokenFetchError(503, { retryAt: SERVER_NOW - 5_000 }), SERVER_NOW)).toBe(0);
    expect(serverDelayOf(new TokenFetchError(503, { retryAt: Number.POSITIVE_INFINITY }), SERVER_NOW)).toBeUndefined();
  });

  it('an answer that said nothing asks for nothing', () => {
    expect(serverDelayOf(new TokenFetchError(503), SERVER_NOW)).toBeUndefined();
  });
});

describe('Retry-After read from what a source threw', () => {
  it('a numeric retryAfter (ms) on a plain status error is kept, and the thrown value is the cause', () => {
    const thrown = { status: 503, retryAfter: 2_000 };
    const failure = classifyFailure(thrown, SERVER_NOW);
    expect(failure.kind).toBe('server');
    if (failure.kind !== 'server') return;
    expect(failure.error).toBeInstanceOf(TokenFetchError);
    expect(failure.error.status).toBe(503);
    expect(failure.error.retryAfter).toBe(2_000);
    expect(failure.error.retryAt).toBeUndefined();
    expect(failure.error.cause).toBe(thrown);
    expect(failure.error.message).toBe('Token endpoint answered 503');
  });

  it.each([
    ['infinite', Number.POSITIVE_INFINITY],
    ['a string', '2000'],
  ])('a retryAfter that is %s is ignored', (_, retryAfter) => {
    const failure = classifyFailure({ status: 503, retryAfter }, SERVER_NOW);
    expect(failure.kind === 'server' && failure.error.retryAfter).toBeUndefined();
  });

  it('headers without a get() (a plain object) are ignored rather than thrown on', () => {
    const failure = classifyFailure({ status: 503, headers: { 'retry-after': '5' } }, SERVER_NOW);
    expect(failure.kind).toBe('server');
    expect(failure.kind === 'server' && failure.error.retryAfter).toBeUndefined();
  });

  it("an HTTP-date is measured against the answer's own Date header first", () => {
    const headers = new Headers({ date: 'Thu, 01 Jan 2026 00:00:10 GMT', 'retry-after': IN_30_S });
    const failure = classifyFailure({ status: 429, headers }, SERVER_NOW);
    expect(failure.kind === 'server' && failure.error.retryAfter).toBe(20_000);
  });

  it('an HTTP-date with no Date header is measured against the server clock given, not the local one', () => {
    const failure = classifyFailure({ status: 429, headers: new Headers({ 'retry-after': IN_30_S }) }, SERVER_NOW);
    expect(failure.kind === 'server' && failure.error.retryAfter).toBe(30_000);
  });
});

describe('AttemptTimeout', () => {
  it('reads like a DOM TimeoutError and says how long the attempt had', () => {
    const timeout = new AttemptTimeout(10_000);
    expect(timeout.name).toBe('TimeoutError');
    expect(timeout.message).toBe('Token request timed out after 10000 ms');
    expect(timeout).toBeInstanceOf(Error);
  });
});
