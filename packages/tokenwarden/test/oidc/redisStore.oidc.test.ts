import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryStore, oauth2RefreshSource } from '../../src/sources/index';
import { redisRefreshTokenStore } from '../../src/sync/redis';
import type { FetchTokenContext } from '../../src/types';
import { connectRedis } from '../redis/instances';
import { type RedisServer, startRedisServer } from '../redis/redisServer';
import { authorize } from './authorize';
import { clientKeys } from './clientKeys';
import { type OidcServer, startOidcServer } from './oidcServer';

/**
 * Holders of one refresh token on separate Redis connections (as separate processes would be),
 * rotating at the same instants against a real oidc-provider that revokes the grant on reuse.
 */

let redis: RedisServer;
let server: OidcServer;
const connections: Redis[] = [];
const ctx = (): FetchTokenContext => ({ signal: new AbortController().signal });

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startOidcServer({ clientJwks: (await clientKeys()).publicJwks });
});
afterAll(async () => {
  for (const connection of connections) connection.disconnect();
  await server?.close();
  await redis?.dispose();
});

async function holder(key: string) {
  const connection = await connectRedis(redis.port);
  connections.push(connection);
  const store = redisRefreshTokenStore({ redis: connection, key, retryInterval: 5 });
  return { store, source: oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store }) };
}

describe('redisRefreshTokenStore with oauth2RefreshSource against oidc-provider', () => {
  it('4 holders refreshing at the same instants for 5 rounds: 20 rotations, 0 reuse detections', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa' });
    const holders = await Promise.all(Array.from({ length: 4 }, () => holder('rt:oidc:shared')));
    await holders[0]!.store.set(refreshToken);
    server.resetCounters();
    for (let round = 0; round < 5; round++) {
      const results = await Promise.all(holders.map(({ source }) => source(ctx())));
      for (const result of results) expect(result).toMatchObject({ token: expect.any(String), expiresIn: 15 });
    }
    expect(server.reuseDetections).toBe(0);
    expect(server.grantErrors).toEqual([]);
    expect(server.grants['refresh_token']).toBe(20);
  });

  it('control: two holders of one refresh token with no lock between them send it twice, and the server sees the reuse', async () => {
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa' });
    server.resetCounters();
    const sources = Array.from({ length: 2 }, () => oauth2RefreshSource({ issuer: server.issuer, clientId: 'spa', store: memoryStore(refreshToken) }));
    const results = await Promise.all(sources.map((source) => source(ctx())));
    expect(results.filter((result) => result === null)).toHaveLength(1);
    expect(server.reuseDetections).toBe(1);
  });
});
