import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRefreshMargin } from '../../src/timing';
import { type RedisServer, startRedisServer } from '../redis/redisServer';
import { clientKeys } from './clientKeys';
import type { OidcFleetConfig, OidcFleetReport } from './oidcFleetWorker';
import { JWT_RESOURCE, type OidcServer, SECRETS, startOidcServer } from './oidcServer';

/**
 * Real time, real processes: 4 Node processes each run a token client with `clientCredentialsSource`
 * against one real oidc-provider, sharing tokens through `redisCoordinator` on a real redis-server.
 * The whole fleet should ask the provider for about one token per refresh cycle, not one per process.
 * About 40 s of wall time: run it with the other real-time suites, one file at a time.
 */

const WORKER = fileURLToPath(new URL('./oidcFleetWorker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TTL = 10;
const INSTANCES = 4;
const CYCLES = 3;

let redis: RedisServer;
let server: OidcServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  server = await startOidcServer({ clientJwks: (await clientKeys()).publicJwks, accessTokenTtl: TTL });
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
  await redis?.dispose();
});

function startInstance(config: OidcFleetConfig): { ready: Promise<void>; stop: () => Promise<OidcFleetReport> } {
  const child = fork(WORKER, [], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  let onReport: (report: OidcFleetReport) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { type: string; report?: OidcFleetReport }) => {
      if (message.type === 'ready') resolve();
      if (message.type === 'report') onReport(message.report!);
    });
    child.once('exit', (code) => reject(new Error(`instance exited (${code}) before it was ready`)));
  });
  ready.catch(() => undefined);
  child.send({ type: 'start', config });
  return {
    ready,
    stop: () =>
      new Promise<OidcFleetReport>((resolve) => {
        onReport = resolve;
        child.send({ type: 'stop' });
      }),
  };
}

describe('a fleet sharing a client_credentials token through Redis', () => {
  it(`${INSTANCES} processes: about one token request per refresh cycle for the whole fleet`, { timeout: 120_000 }, async () => {
    const config: OidcFleetConfig = {
      redisPort: redis.port,
      namespace: 'oidc-fleet',
      issuer: server.issuer,
      clientId: 'basic',
      secret: SECRETS.basic,
      scope: 'api:read',
      key: { audience: JWT_RESOURCE },
      readInterval: 100,
    };
    const instances = Array.from({ length: INSTANCES }, () => startInstance(config));
    await Promise.all(instances.map((instance) => instance.ready));
    const cycleMs = (TTL - defaultRefreshMargin(TTL)) * 1000;
    const startGrants = server.grants['client_credentials'] ?? 0;
    await new Promise((resolve) => setTimeout(resolve, CYCLES * cycleMs + cycleMs / 2));
    const grants = (server.grants['client_credentials'] ?? 0) - startGrants;
    const reports = await Promise.all(instances.map((instance) => instance.stop()));

    const total = reports.reduce((sum, report) => ({ reads: sum.reads + report.reads, nulls: sum.nulls + report.nulls, failures: sum.failures + report.failures }), { reads: 0, nulls: 0, failures: 0 });
    expect(total.nulls).toBe(0);
    expect(total.failures).toBe(0);
    expect(total.reads).toBeGreaterThan(INSTANCES * 10);
    // One burst per cycle for the fleet (plus at most one at either edge of the window), where
    // uncoordinated processes would make INSTANCES requests per cycle.
    expect(grants).toBeGreaterThanOrEqual(CYCLES - 1);
    expect(grants).toBeLessThanOrEqual(CYCLES + 2);
    expect(server.grantErrors).toEqual([]);
  });
});
