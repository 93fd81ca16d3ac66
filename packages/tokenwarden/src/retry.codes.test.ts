import { describe, expect, it } from 'vitest';
import { looksLikeJwt } from './jwt';
import { classifyFailure } from './retry';

describe('transport failures, each way a runtime reports one', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])(
    'Node/undici code %s, on the error or its cause, is a network failure',
    (code) => {
      expect(classifyFailure(Object.assign(new Error('x'), { code })).kind).toBe('network');
      expect(classifyFailure(new Error('fetch failed', { cause: Object.assign(new Error('y'), { code }) })).kind).toBe('network');
    },
  );

  it("workerd's message, with or without its full stop, is a network failure; a longer message that ends with it is not", () => {
    expect(classifyFailure(new Error('Network connection lost.')).kind).toBe('network');
    expect(classifyFailure(new Error('Network connection lost')).kind).toBe('network');
    expect(classifyFailure(new Error('network error')).kind).toBe('network');
    expect(classifyFailure(new Error('Unexpected network error.')).kind).not.toBe('network');
  });
});

describe('looksLikeJwt', () => {
  it('wants every character of a segment to be base64url, not only the last ones', () => {
    expect(looksLikeJwt('eyJh.eyJz.c2ln')).toBe(true);
    expect(looksLikeJwt('ey$h.eyJz.c2ln')).toBe(false);
    expect(looksLikeJwt('eyJh.e yJz.')).toBe(false);
  });
});
