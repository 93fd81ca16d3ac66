import { describe, expect, it } from 'vitest';
import { serverCountNote } from './counters';

describe('serverCountNote', () => {
  it('says when the server saw the same, more (other tabs, browser resends) or has not caught up', () => {
    expect(serverCountNote(3, undefined)).toEqual({ text: 'token requests from this tab', gap: undefined });
    expect(serverCountNote(4, 4)).toEqual({ text: 'server counted 4 for this session, the same', gap: 'same' });
    expect(serverCountNote(94, 157)).toMatchObject({ gap: 'more', text: expect.stringContaining('63 more from other tabs or resent by the browser') });
    expect(serverCountNote(5, 4)).toMatchObject({ gap: 'behind', text: 'server counted 4 so far (read once a second)' });
  });
});
