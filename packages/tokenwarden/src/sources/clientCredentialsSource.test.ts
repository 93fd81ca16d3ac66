import { describe, expect, it } from 'vitest';
import { InvalidTokenError, TokenFetchError } from '../errors';
import { clientSecretPost, none } from './clientAuth';
import { clientCredentialsSource } from './clientCredentialsSource';
import { oauthErrorOf } from './oauthError';

/** Records each request's form body and answers with the given status and JSON. */
function answering(status: number, body: unknown, headers: Record<string, string> = {}) {
  const bodies: URLSearchParams[] = [];
  const fetchImpl = (async (_input: RequestInfo | URL, init?: RequestInit) => {
    bodies.push(new URLSearchParams(String(init?.body)));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
  }) as typeof fetch;
  return { fetchImpl, bodies };
}

const ctx = (audience?: string) => ({ signal: new AbortController().signal, audience });
const base = { tokenEndpoint: 'https://auth.example.com/token', clientId: 'svc', clientAuth: clientSecretPost('pw') };

describe('clientCredentialsSource (unit)', () => {
  it("sends the key's audience as resource by default, as audience when asked (Auth0), and the scope", async () => {
    const ok = { access_token: 'opaque-1', token_type: 'Bearer', expires_in: '3600' };
    const resource = answering(200, ok);
    await clientCredentialsSource({ ...base, scope: 'a b', fetch: resource.fetchImpl })(ctx('https://api.example.com'));
    expect(Object.fromEntries(resource.bodies[0]!)).toMatchObject({ grant_type: 'client_credentials', resource: 'https://api.example.com', scope: 'a b' });
    const auth0 = answering(200, ok);
    const result = await clientCredentialsSource({ ...base, audienceParameter: 'audience', fetch: auth0.fetchImpl })(ctx('https://api.example.com'));
    expect(auth0.bodies[0]!.get('audience')).toBe('https://api.example.com');
    expect(auth0.bodies[0]!.has('resource')).toBe(false);
    // expires_in as a numeric string (some servers) is read as seconds.
    expect(result).toMatchObject({ token: 'opaque-1', expiresIn: 3600 });
  });

  it('invalid_grant resolves null; unauthorized_client and unsupported_grant_type throw with their code', async () => {
    expect(await clientCredentialsSource({ ...base, fetch: answering(400, { error: 'invalid_grant' }).fetchImpl })(ctx())).toBeNull();
    for (const code of ['unauthorized_client', 'unsupported_grant_type']) {
      const error = await clientCredentialsSource({ ...base, fetch: answering(400, { error: code, error_description: 'echo: pw' }).fetchImpl })(ctx()).catch((caught: unknown) => caught);
      expect(TokenFetchError.is(error) && error.status).toBe(400);
      expect(oauthErrorOf(error)).toBe(code);
      // The server's free text (which may echo what it was sent) is never kept.
      expect(JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause) })).not.toContain('echo');
    }
  });

  it('5xx and 429 throw TokenFetchError with retryAfter; a body without access_token is InvalidTokenError', async () => {
    const error = await clientCredentialsSource({ ...base, fetch: answering(503, {}, { 'retry-after': '7' }).fetchImpl })(ctx()).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 503, retryAfter: 7000 });
    expect(oauthErrorOf(error)).toBeUndefined();
    await expect(clientCredentialsSource({ ...base, fetch: answering(200, { token_type: 'Bearer' }).fetchImpl })(ctx())).rejects.toSatisfy(InvalidTokenError.is);
  });

  it('refuses none() (client_credentials needs a confidential client)', () => {
    expect(() => clientCredentialsSource({ ...base, clientAuth: none() })).toThrow(TypeError);
  });
});
