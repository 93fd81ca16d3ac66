import { describe, expect, it } from 'vitest';
import { InvalidTokenError, TokenError, TokenFetchError } from './errors';
import { CLOCK_DISAGREES, classifyFailure } from './retry';

/** An error whose cause chain carries `code` on the `depth`-th cause (0: the error itself). */
function withCodeAt(depth: number, code: string): Error {
  let inner: object = { code };
  for (let i = 0; i < depth; i++) inner = new Error(`layer ${i}`, { cause: inner });
  return inner as Error;
}

describe('classifyFailure: transport failures by code', () => {
  it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])(
    '%s is a network failure',
    (code) => {
      expect(classifyFailure(Object.assign(new Error('failed'), { code })).kind).toBe('network');
      expect(classifyFailure(new Error('fetch wrapper', { cause: Object.assign(new Error('failed'), { code }) })).kind).toBe('network');
    },
  );

  it('other codes, or a code that is not a string, are bugs in the source', () => {
    expect(classifyFailure(Object.assign(new Error('denied'), { code: 'EACCES' })).kind).toBe('bug');
    expect(classifyFailure(Object.assign(new Error('odd'), { code: 42 })).kind).toBe('bug');
  });

  it('a code is looked for three causes deep, no deeper', () => {
    expect(classifyFailure(withCodeAt(3, 'ECONNRESET')).kind).toBe('network');
    expect(classifyFailure(withCodeAt(4, 'ECONNRESET')).kind).toBe('bug');
  });

  it('a cause that is null or a cycle ends the search without throwing', () => {
    expect(classifyFailure(new Error('x', { cause: null })).kind).toBe('bug');
    const cyclic = new Error('cyclic') as Error & { cause?: unknown };
    cyclic.cause = cyclic;
    expect(classifyFailure(cyclic).kind).toBe('bug');
  });
});

describe("classifyFailure: workerd's plain-Error network message", () => {
  it.each(['Network connection lost.', 'Network connection lost', 'network error', 'Network Error.'])('%j is a network failure', (message) => {
    expect(classifyFailure(new Error(message)).kind).toBe('network');
  });

  it.each(['fatal network error', 'Network connection lost..', 'Network connection lost. Retrying'])('%j (not the whole message) is a bug', (message) => {
    expect(classifyFailure(new Error(message)).kind).toBe('bug');
  });

  it('an Error whose message was replaced by a non-string is a bug, even if it prints as the message', () => {
    const error = new Error('x');
    Object.defineProperty(error, 'message', { value: ['Network connection lost.'] });
    expect(classifyFailure(error).kind).toBe('bug');
  });
});

describe('classifyFailure: statuses', () => {
  it('a status must be an integer number, else the value is a bug', () => {
    for (const status of ['503', 503.5, Number.NaN, null]) expect(classifyFailure({ status }).kind).toBe('bug');
  });

  it('5xx ends at 599: 600 and 499 are final', () => {
    for (const status of [499, 600]) {
      const failure = classifyFailure({ status });
      expect(failure.kind).toBe('final');
      expect(failure.kind === 'final' && failure.error.code).toBe('fetch_failed');
    }
  });

  it('null and undefined are bugs (nothing thrown back at us)', () => {
    expect(classifyFailure(null).kind).toBe('bug');
    expect(classifyFailure(undefined).kind).toBe('bug');
  });
});

describe('classifyFailure: OAuth errors say more than the status', () => {
  it('invalid_grant signs out, whatever the status', () => {
    for (const status of [400, 401, 403]) {
      expect(classifyFailure(new TokenFetchError(status, { oauthError: 'invalid_grant' }))).toEqual({ kind: 'signed-out' });
    }
  });

  it('any other OAuth error on a 4xx is final and keeps the error (a 401 invalid_client is configuration, not sign-out)', () => {
    for (const [status, oauthError] of [
      [401, 'invalid_client'],
      [400, 'invalid_scope'],
      [403, 'unauthorized_client'],
      [499, 'invalid_request'],
    ] as const) {
      const error = new TokenFetchError(status, { oauthError });
      const failure = classifyFailure(error);
      expect(failure.kind).toBe('final');
      expect(failure.kind === 'final' && failure.error).toBe(error);
    }
  });

  it('an OAuth error on a 429 or a 5xx is still retried as a server failure', () => {
    for (const [status, oauthError] of [
      [429, 'slow_down'],
      [500, 'server_error'],
      [503, 'temporarily_unavailable'],
    ] as const) {
      const error = new TokenFetchError(status, { oauthError });
      const failure = classifyFailure(error);
      expect(failure.kind).toBe('server');
      expect(failure.kind === 'server' && failure.error).toBe(error);
    }
  });

  it('without an OAuth error the status decides', () => {
    expect(classifyFailure(new TokenFetchError(401))).toEqual({ kind: 'signed-out' });
    expect(classifyFailure(new TokenFetchError(400)).kind).toBe('final');
  });
});

describe('classifyFailure: our own errors', () => {
  it('a token refused only because its answer contradicted the learned clock is worth another attempt', () => {
    const error = new InvalidTokenError('not-yet-valid', 'Token is not valid yet');
    Object.defineProperty(error, CLOCK_DISAGREES, { value: true });
    const failure = classifyFailure(error);
    expect(failure.kind).toBe('transient');
    expect(failure.kind === 'transient' && failure.error).toBe(error);
  });

  it('any other refused token is final', () => {
    const error = new InvalidTokenError('not-yet-valid', 'Token is not valid yet');
    expect(classifyFailure(error)).toMatchObject({ kind: 'final', error });
  });

  it('a TokenError without a status (aborted, destroyed) is final, unchanged', () => {
    for (const code of ['aborted', 'destroyed'] as const) {
      const error = new TokenError(code, 'stopped');
      const failure = classifyFailure(error);
      expect(failure.kind).toBe('final');
      expect(failure.kind === 'final' && failure.error).toBe(error);
    }
  });
});
