import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, mintingSource, noWake, serial } from '../test/helpers';
import { createTokenClient, type TokenClientOptions } from './client';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: Partial<TokenClientOptions> = {}) {
  const network = fakeNetwork();
  const source = mintingSource(60);
  const client = createTokenClient({ fetchToken: source.fetchToken, network, wake: noWake, clock: { now: () => Date.now() }, ...options });
  return { client, network, source };
}

describe('cache hits (rule 1)', () => {
  it('answers from the cache without calling fetchToken while more than minValidity is left', async () => {
    const { client, source } = setup();
    const first = await client.getToken();
    await vi.advanceTimersByTimeAsync(30_000);
    const second = await client.getToken();
    expect(second).toBe(first);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('resolves a cache hit within one microtask', async () => {
    const { client } = setup();
    const token = await client.getToken();
    let seen: string | null | undefined;
    void client.getToken().then((value) => {
      seen = value;
    });
    await Promise.resolve();
    expect(seen).toBe(token);
  });
});

describe('single-flight per key (rule 2)', () => {
  it('10 000 concurrent calls on a cold key make one fetch and share its token', async () => {
    const { client, source } = setup();
    const results = await Promise.all(Array.from({ length: 10_000 }, () => client.getToken()));
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    expect(new Set(results).size).toBe(1);
  });

  it('fetches template, organization and audience keys separately', async () => {
    const { client, source } = setup();
    const tokens = await Promise.all([
      client.getToken(),
      client.getToken({ template: 'supabase' }),
      client.getToken({ organizationId: 'org_1' }),
      client.getToken({ organizationId: null }),
      client.getToken({ audience: 'api' }),
      client.getToken({ template: 'supabase' }),
    ]);
    expect(source.fetchToken).toHaveBeenCalledTimes(5);
    expect(tokens[1]).toBe(tokens[5]);
    expect(source.calls.map((c) => [c.template, c.organizationId, c.audience])).toEqual([
      [undefined, undefined, undefined],
      ['supabase', undefined, undefined],
      [undefined, 'org_1', undefined],
      [undefined, null, undefined],
      [undefined, undefined, 'api'],
    ]);
  });

  it('keeps structured keys apart: template "a-b" never collides with template "a" + organization "b"', async () => {
    const { client, source } = setup();
    const joined = await client.getToken({ template: 'a-b' });
    const split = await client.getToken({ template: 'a', organizationId: 'b' });
    const dotted = await client.getToken({ template: 'a', audience: 'b' });
    expect(source.fetchToken).toHaveBeenCalledTimes(3);
    expect(new Set([serial(joined), serial(split), serial(dotted)]).size).toBe(3);
  });

  it('ignores option fields that are not part of the key', async () => {
    const { client, source } = setup();
    await client.getToken({ template: 't' });
    await client.getToken({ template: 't', ...({ unrelated: 1 } as object) });
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('rejects key parts of the wrong type with a TypeError and fetches nothing', async () => {
    const { client, source } = setup();
    await expect(client.getToken({ template: 5 as unknown as string })).rejects.toThrow(TypeError);
    expect(source.fetchToken).not.toHaveBeenCalled();
  });
});

describe('skipCache', () => {
  it('waits for a newly minted token even when the cached one is fresh', async () => {
    const { client, source } = setup();
    const first = await client.getToken();
    await vi.advanceTimersByTimeAsync(2_000);
    const forced = await client.getToken({ skipCache: true });
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(serial(forced)).toBeGreaterThan(serial(first));
    expect(await client.getToken()).toBe(forced);
  });

  it('concurrent forced calls share one request', async () => {
    const { client, source } = setup();
    await client.getToken();
    await Promise.all(Array.from({ length: 20 }, () => client.getToken({ skipCache: true })));
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });
});

describe('peekToken', () => {
  it('returns the servable token synchronously and null otherwise', async () => {
    const { client } = setup();
    expect(client.peekToken()).toBeNull();
    const token = await client.getToken({ template: 'x' });
    expect(client.peekToken({ template: 'x' })).toBe(token);
    expect(client.peekToken()).toBeNull();
  });
});
