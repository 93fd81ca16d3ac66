import { describe, expect, it } from 'vitest';
import { claimRows } from './claimRows';
import { clockTime } from './format';

describe('claimRows', () => {
  it('orders session claims first, the rest by name, and reads timestamps', () => {
    const rows = claimRows({ role: 'authenticated', exp: 1_700_000_010, iat: 1_700_000_000, sub: 'user_dev', aud: ['a', 'b'], sid: 'sess_1' });
    expect(rows.map((row) => row.name)).toEqual(['sub', 'sid', 'aud', 'iat', 'exp', 'role']);
    expect(rows.find((row) => row.name === 'aud')?.value).toBe('["a","b"]');
    expect(rows.find((row) => row.name === 'exp')).toEqual({ name: 'exp', value: '1700000010', note: clockTime(1_700_000_010_000, false) });
    expect(rows.find((row) => row.name === 'sub')?.note).toBeUndefined();
  });
});
