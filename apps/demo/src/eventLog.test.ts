import { OfflineError, TokenFetchError, type TokenEvent } from 'tokenwarden';
import { describe, expect, it } from 'vitest';
import { describeError } from './describeError';
import { EventLog, describeEvent } from './eventLog';

const RAW_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDAxMH0.c2lnbmF0dXJlLXNlY3JldA';

describe('describeEvent', () => {
  it('describes an accepted token by its claims and never shows the token', () => {
    const event: TokenEvent = {
      type: 'token',
      key: { template: 'supabase' },
      token: RAW_TOKEN,
      claims: { iat: 1_700_000_000, exp: 1_700_000_010, jti: '0123456789abcdef' },
      issuedAt: 1_700_000_000_000,
      expiresAt: 1_700_000_010_000,
      origin: 'fetch',
      refreshAt: 1_700_000_005_000,
    };
    const line = describeEvent(event);
    expect(line).toMatchObject({ kind: 'token', title: 'token accepted', key: 'supabase', tone: 'ok' });
    expect(line.detail).toContain('(10 s) · jti 01234567');
    expect(JSON.stringify(line)).not.toContain(RAW_TOKEN);
    for (const segment of RAW_TOKEN.split('.')) expect(JSON.stringify(line)).not.toContain(segment);
  });

  it('says how long the current token still has when a fetch starts', () => {
    expect(describeEvent({ type: 'fetch-start', key: {}, reason: 'expired' }, { untilExpiry: 5_000 }).detail).toBe('past cutoff · current token expires in 5.0 s');
    expect(describeEvent({ type: 'fetch-start', key: {}, reason: 'cold' }, { untilExpiry: undefined }).detail).toBe('first token');
    expect(describeEvent({ type: 'fetch-start', key: {}, reason: 'forced' }, { untilExpiry: -10 }).detail).toBe('forced (skipCache)');
  });

  it('names the titles the issue asks for', () => {
    const titles = (
      [
        { type: 'fetch-start', key: {}, reason: 'refresh' },
        { type: 'fetch-error', key: { organizationId: 'org_acme' }, error: new TokenFetchError(503, { retryAfter: 2000 }), willRetry: true, retryIn: 2000 },
        { type: 'offline' },
        { type: 'online' },
        { type: 'signed-out', key: {} },
        { type: 'cleared', origin: 'remote' },
        { type: 'evicted', key: { template: 'long' } },
        { type: 'coordinator-degraded', error: new Error('x') },
      ] satisfies TokenEvent[]
    ).map((event) => {
      const line = describeEvent(event);
      return `${line.title} | ${line.key ?? '-'} | ${line.detail}`;
    });
    expect(titles).toEqual([
      'fetch started | default | proactive refresh',
      'refresh failed | org_acme | TokenFetchError 503, Retry-After 2 s · retry in 2.0 s',
      'offline | - | cached tokens are still served until their cutoff',
      'online | - | stale keys refresh now',
      'signed out | default | the session can no longer mint tokens',
      'cache cleared | - | by another tab',
      'key evicted | long | not read for a token lifetime',
      'tab sync degraded | - | Error',
    ]);
  });
});

describe('describeError', () => {
  it('uses kinds and data, not free text', () => {
    expect(describeError(new OfflineError())).toBe('OfflineError');
    expect(describeError(new TokenFetchError(429))).toBe('TokenFetchError 429');
    expect(describeError(new TypeError(`Failed to fetch ${RAW_TOKEN}`))).toBe('network error');
    expect(describeError(new DOMException('x', 'AbortError'))).toBe('request timed out');
    expect(describeError('boom')).toBe('unknown error');
  });
});

describe('EventLog', () => {
  it('keeps the newest entries first, up to its limit', () => {
    let now = 1000;
    const log = new EventLog({ limit: 2, now: () => now++ });
    log.page('signed in');
    log.page('fault', '503 on', 'warn');
    log.page('signed out');
    expect(log.entries().map((entry) => [entry.id, entry.title, entry.at])).toEqual([
      [3, 'signed out', 1002],
      [2, 'fault', 1001],
    ]);
    expect(log.lastId).toBe(3);
  });
});
