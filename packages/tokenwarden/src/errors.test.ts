import { describe, expect, it, vi } from 'vitest';
import { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from './errors';

describe('error classes', () => {
  it('carry code, name and ES2022 cause', () => {
    const cause = new TypeError('fetch failed');
    const offline = new OfflineError(undefined, { cause });
    expect(offline).toBeInstanceOf(TokenError);
    expect(offline.code).toBe('offline');
    expect(offline.name).toBe('OfflineError');
    expect(offline.cause).toBe(cause);
    const fetchError = new TokenFetchError(429, { retryAfter: 2_000 });
    expect([fetchError.code, fetchError.status, fetchError.retryAfter, fetchError.name]).toEqual(['fetch_failed', 429, 2_000, 'TokenFetchError']);
    const invalid = new InvalidTokenError('expired', 'expired');
    expect([invalid.code, invalid.reason]).toEqual(['invalid_token', 'expired']);
  });

  it('is() guards discriminate by code', () => {
    const offline = new OfflineError();
    expect(TokenError.is(offline)).toBe(true);
    expect(OfflineError.is(offline)).toBe(true);
    expect(TokenFetchError.is(offline)).toBe(false);
    expect(InvalidTokenError.is(new TokenFetchError(500))).toBe(false);
    for (const value of [null, undefined, 'offline', 42, {}, new Error('x'), { code: 'offline', name: 'OfflineError' }]) {
      expect(TokenError.is(value)).toBe(false);
      expect(OfflineError.is(value)).toBe(false);
    }
  });

  it('is() recognises errors from another copy of the library (two bundles), where instanceof fails', async () => {
    vi.resetModules();
    const copy = './errors?copy=2';
    const other = (await import(/* @vite-ignore */ copy)) as typeof import('./errors');
    const foreign = new other.OfflineError();
    expect(foreign instanceof OfflineError).toBe(false);
    expect(OfflineError.is(foreign)).toBe(true);
    expect(TokenError.is(foreign)).toBe(true);
    expect(other.OfflineError.is(new OfflineError())).toBe(true);
  });
});
