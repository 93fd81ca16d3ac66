import { describe, expect, it, vi } from 'vitest';
import { InvalidTokenError, TokenFetchError } from '../errors';
import { discover, endpointResolver } from './discovery';

/** A fetch answering from a table of URL -> [status, body]; every other URL is a 404. */
function tableFetch(table: Record<string, [number, unknown]>) {
  const calls: string[] = [];
  const fetchImpl = vi.fn(async (input: RequestInfo | URL) => {
    const url = String(input);
    calls.push(url);
    const [status, body] = table[url] ?? [404, { error: 'not_found' }];
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { fetchImpl: fetchImpl as unknown as typeof fetch, calls };
}

describe('discover', () => {
  it('reads /.well-known/openid-configuration under the issuer', async () => {
    const issuer = 'https://auth.example.com/tenant';
    const { fetchImpl, calls } = tableFetch({
      'https://auth.example.com/tenant/.well-known/openid-configuration': [200, { issuer, token_endpoint: `${issuer}/token` }],
    });
    await expect(discover(issuer, fetchImpl)).resolves.toMatchObject({ token_endpoint: `${issuer}/token` });
    expect(calls).toHaveLength(1);
  });

  it('falls back to RFC 8414, with the well-known segment inserted before the path', async () => {
    const issuer = 'https://auth.example.com/tenant';
    const { fetchImpl, calls } = tableFetch({
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant': [200, { issuer, token_endpoint: 'https://auth.example.com/t/token' }],
    });
    await expect(discover(issuer, fetchImpl)).resolves.toMatchObject({ token_endpoint: 'https://auth.example.com/t/token' });
    expect(calls).toEqual([
      'https://auth.example.com/tenant/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server/tenant',
    ]);
  });

  it('refuses a document naming another issuer (even one differing only by a trailing slash)', async () => {
    const issuer = 'https://auth.example.com/';
    const { fetchImpl } = tableFetch({
      'https://auth.example.com/.well-known/openid-configuration': [200, { issuer: 'https://auth.example.com', token_endpoint: 'https://auth.example.com/token' }],
    });
    const error = await discover(issuer, fetchImpl).catch((caught: unknown) => caught);
    expect(InvalidTokenError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/names issuer/);
  });

  it('no metadata anywhere, or no token_endpoint: InvalidTokenError (a setup mistake, not a sign-out)', async () => {
    await expect(discover('https://none.example.com', tableFetch({}).fetchImpl)).rejects.toSatisfy(InvalidTokenError.is);
    const { fetchImpl } = tableFetch({ 'https://a.example.com/.well-known/openid-configuration': [200, { issuer: 'https://a.example.com' }] });
    await expect(discover('https://a.example.com', fetchImpl)).rejects.toThrow(/no token_endpoint/);
  });

  it('a 5xx is a TokenFetchError the client may retry', async () => {
    const { fetchImpl } = tableFetch({ 'https://a.example.com/.well-known/openid-configuration': [503, {}] });
    const error = await discover('https://a.example.com', fetchImpl).catch((caught: unknown) => caught);
    expect(TokenFetchError.is(error) && error.status).toBe(503);
  });
});

describe('endpointResolver', () => {
  it('discovers once for any number of calls, and again only after a failure', async () => {
    const issuer = 'https://auth.example.com';
    let fail = true;
    const fetchImpl = vi.fn(async () =>
      fail ? new Response('{}', { status: 500 }) : new Response(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }), { status: 200 }),
    );
    const resolve = endpointResolver({ issuer }, () => fetchImpl as unknown as typeof fetch, 'test');
    await expect(resolve()).rejects.toSatisfy(TokenFetchError.is);
    fail = false;
    const results = await Promise.all([resolve(), resolve(), resolve()]);
    expect(results.map((result) => result.tokenEndpoint)).toEqual([`${issuer}/token`, `${issuer}/token`, `${issuer}/token`]);
    await resolve();
    expect(fetchImpl).toHaveBeenCalledTimes(2);
  });

  it('a given tokenEndpoint needs no discovery; neither given is a TypeError', async () => {
    const fetchImpl = vi.fn();
    const resolve = endpointResolver({ tokenEndpoint: 'https://a.example.com/token', issuer: 'https://a.example.com' }, () => fetchImpl as never, 'test');
    await expect(resolve()).resolves.toEqual({ tokenEndpoint: 'https://a.example.com/token', issuer: 'https://a.example.com' });
    expect(fetchImpl).not.toHaveBeenCalled();
    expect(() => endpointResolver({}, () => fetchImpl as never, 'test')).toThrow(TypeError);
  });
});
