import type { TokenEntrySnapshot } from 'tokenwarden';
import { describe, expect, it } from 'vitest';
import { describeBar, timelineBar } from './timeline';

const IAT = 1_700_000_000;

/** A 60 s token as the engine plans it: refresh 17 s before `exp`, cutoff at `minValidity` (5 s). */
function entry(overrides: Partial<TokenEntrySnapshot> = {}): TokenEntrySnapshot {
  return {
    key: {},
    claims: { iat: IAT, exp: IAT + 60 },
    issuedAt: IAT * 1000,
    expiresAt: (IAT + 60) * 1000,
    refreshAt: (IAT + 43) * 1000,
    cutoffAt: (IAT + 55) * 1000,
    lastReadAt: 0,
    refreshing: false,
    ...overrides,
  };
}

describe('timelineBar', () => {
  it('has no bar without a token', () => {
    expect(timelineBar(undefined, 0)).toBeUndefined();
    expect(timelineBar(entry({ claims: undefined, expiresAt: undefined, refreshAt: undefined, cutoffAt: undefined }), 0)).toBeUndefined();
    expect(describeBar(undefined)).toBe('no token');
  });

  it('places refresh, cutoff and now between iat (0 %) and exp (100 %)', () => {
    const bar = timelineBar(entry(), (IAT + 30) * 1000);
    expect(bar).toMatchObject({ phase: 'fresh', refreshPct: (43 / 60) * 100, cutoffPct: (55 / 60) * 100, nowPct: 50 });
    expect(bar?.untilRefresh).toBe(13_000);
    expect(describeBar(bar)).toBe('valid · 30.0 s left · refresh in 13.0 s');
  });

  it('follows the engine phases: fresh, refresh due, cutoff, expired', () => {
    const at = (second: number) => timelineBar(entry(), (IAT + second) * 1000)?.phase;
    expect([at(0), at(42.9), at(43), at(54.9), at(55), at(59.9), at(60), at(90)]).toEqual([
      'fresh',
      'fresh',
      'refresh-due',
      'refresh-due',
      'cutoff',
      'cutoff',
      'expired',
      'expired',
    ]);
  });

  it('clamps the now marker to the bar', () => {
    expect(timelineBar(entry(), (IAT - 10) * 1000)?.nowPct).toBe(0);
    expect(timelineBar(entry(), (IAT + 600) * 1000)?.nowPct).toBe(100);
  });

  it('says when a refresh is running', () => {
    const due = timelineBar(entry({ refreshing: true }), (IAT + 50) * 1000);
    expect(describeBar(due)).toBe('valid · 10.0 s left · refreshing');
    const cut = timelineBar(entry({ refreshing: true }), (IAT + 57) * 1000);
    expect(describeBar(cut)).toBe('past cutoff · not served · expires in 3.0 s · refreshing');
    expect(describeBar(timelineBar(entry(), (IAT + 61) * 1000))).toBe('expired');
  });
});
