/**
 * One server process of `fleet.oidc.test.ts` (run as `node --import tsx`): a token client whose
 * source is `clientCredentialsSource` against the parent's oidc-provider, coordinated with the other
 * processes through `redisCoordinator`, reading one key every `readInterval` ms until told to stop.
 */
import { Redis } from 'ioredis';
import { createTokenClient } from '../../src/client';
import { clientCredentialsSource, clientSecretBasic } from '../../src/sources/index';
import { redisCoordinator } from '../../src/sync/redis';
import type { TokenKey } from '../../src/types';

export interface OidcFleetConfig {
  redisPort: number;
  namespace: string;
  issuer: string;
  clientId: string;
  secret: string;
  scope: string;
  key: TokenKey;
  readInterval: number;
}

export interface OidcFleetReport {
  reads: number;
  nulls: number;
  failures: number;
  distinctTokens: number;
}

const send = (message: unknown) => {
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
};

async function run(config: OidcFleetConfig): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: config.redisPort, lazyConnect: true, retryStrategy: () => 100 });
  redis.on('error', () => undefined);
  await redis.connect();
  const client = createTokenClient({
    fetchToken: clientCredentialsSource({ issuer: config.issuer, clientId: config.clientId, clientAuth: clientSecretBasic(config.secret), scope: config.scope }),
    coordinator: redisCoordinator({ redis, namespace: config.namespace }),
  });
  const report: OidcFleetReport = { reads: 0, nulls: 0, failures: 0, distinctTokens: 0 };
  const tokens = new Set<string>();
  let stopped = false;
  let ready = false;
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    stopped = true;
    send({ type: 'report', report: { ...report, distinctTokens: tokens.size } });
    client.destroy();
    redis.disconnect();
    process.exit(0);
  });
  while (!stopped) {
    try {
      const token = await client.getToken(config.key);
      if (token === null) report.nulls++;
      else tokens.add(token);
    } catch {
      report.failures++;
    }
    report.reads++;
    if (!ready) {
      ready = true;
      send({ type: 'ready' });
    }
    await new Promise((resolve) => setTimeout(resolve, config.readInterval));
  }
}

process.on('disconnect', () => process.exit(0));
process.once('message', (message: { type: string; config: OidcFleetConfig }) => {
  if (message.type === 'start') {
    run(message.config).catch((error: unknown) => {
      console.error('oidc fleet worker failed', error);
      process.exit(1);
    });
  }
});
