import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redisServer';

const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';
const START_TIMEOUT = 10_000;
/** Until every node agrees the cluster is up (after create, or after a failover). */
const STATE_TIMEOUT = 30_000;
/**
 * How long a master may be unreachable before its replica takes over, ms. Low so a test sees a
 * failover in about two seconds; production clusters use 15 000 (the default).
 */
export const CLUSTER_NODE_TIMEOUT = 1_000;

/** One node of the test cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly running: boolean;
}

/** A real Redis Cluster on loopback: 3 masters, 1 replica each, 6 redis-server processes. */
export interface RedisCluster {
  readonly nodes: readonly ClusterNode[];
  /** Host/port pairs to hand to a cluster client as its startup nodes. */
  readonly startupNodes: { host: string; port: number }[];
  /** The port of the master that serves `key`'s slot right now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILL one node (a lost host). */
  kill(port: number): Promise<void>;
  /**
   * Starts a killed node again with its cluster state: it rejoins as a replica of the master that
   * took over, and resolves once every master has a synced replica again (ready for another failover).
   */
  revive(port: number): Promise<void>;
  /** Resolves once every live node reports `cluster_state:ok` and `key`'s slot has a live master. */
  waitHealthy(key?: string): Promise<void>;
  dispose(): Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function cli(port: number, ...args: string[]): string {
  const result = spawnSync(REDIS_CLI, ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 5_000 });
  return `${result.stdout ?? ''}`;
}

function launch(port: number, busPort: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    // The bus port defaults to port + 10 000, which for a random free port may be taken or past 65 535.
    '--cluster-port',
    String(busPort),
    // A replica can only take over once its first sync is done: do it at once, not after 5 s.
    '--repl-diskless-sync-delay',
    '0',
    '--bind',
    '127.0.0.1',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout',
    String(CLUSTER_NODE_TIMEOUT),
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
  ];
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server (cluster) did not start on ${port}:\n${output}`)), START_TIMEOUT);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`redis-server (cluster) exited (${code}) on ${port}:\n${output}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/**
 * Starts 6 cluster-enabled redis-servers on free loopback ports in a temp dir and joins them with
 * `redis-cli --cluster create --cluster-replicas 1` (3 masters, 1 replica each). Resolves once the
 * cluster is up. Call `dispose()` in `afterAll`.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-cluster-'));
  const children = new Map<number, ChildProcess>();
  const busPorts = new Map<number, number>();
  const dispose = async () => {
    await Promise.all([...children.values()].map(killAndWait));
    children.clear();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let index = 0; index < 6; index++) {
      for (let attempt = 0; ; attempt++) {
        const port = await freePort();
        let busPort = await freePort();
        while (busPort === port) busPort = await freePort();
        try {
          children.set(port, await launch(port, busPort, dir));
          busPorts.set(port, busPort);
          break;
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    }
    const ports = [...children.keys()];
    const created = spawnSync(
      REDIS_CLI,
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${created.stdout}\n${created.stderr}`);
  } catch (error) {
    await dispose();
    throw error;
  }

  const live = () => [...children.entries()].filter(([, child]) => child.exitCode === null && child.signalCode === null).map(([port]) => port);

  const masterOf = async (key: string): Promise<number> => {
    const slot = Number(cli(live()[0] as number, 'CLUSTER', 'KEYSLOT', key).trim());
    for (const line of cli(live()[0] as number, 'CLUSTER', 'NODES').split('\n')) {
      const fields = line.split(' ');
      const flags = fields[2] ?? '';
      if (!flags.includes('master') || flags.includes('fail')) continue;
      for (const range of fields.slice(8)) {
        const [from, to = from] = range.split('-').map(Number) as [number, number?];
        if (slot >= from && slot <= (to as number)) return Number((fields[1] ?? '').split(':')[1]?.split('@')[0]);
      }
    }
    throw new Error(`no live master serves the slot of ${key}`);
  };

  // Every replica has finished its sync (else it could not take over from its master).
  const replicasSynced = async () => {
    const giveUpAt = Date.now() + STATE_TIMEOUT;
    for (;;) {
      const infos = live().map((port) => cli(port, 'INFO', 'replication'));
      const replicas = infos.filter((info) => info.includes('role:slave'));
      if (replicas.length === 3 && replicas.every((info) => info.includes('master_link_status:up'))) return;
      if (Date.now() > giveUpAt) throw new Error('Redis Cluster replicas did not sync');
      await pause(100);
    }
  };

  const cluster: RedisCluster = {
    nodes: [...children.keys()].map((port) => ({
      port,
      get running() {
        const child = children.get(port);
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
    })),
    startupNodes: [...children.keys()].map((port) => ({ host: '127.0.0.1', port })),
    masterOf,
    async kill(port) {
      const child = children.get(port);
      if (child) await killAndWait(child);
    },
    async revive(port) {
      const child = children.get(port);
      if (child && child.exitCode === null && child.signalCode === null) return;
      children.set(port, await launch(port, busPorts.get(port) as number, dir));
      await cluster.waitHealthy();
      await replicasSynced();
    },
    async waitHealthy(key) {
      const giveUpAt = Date.now() + STATE_TIMEOUT;
      for (;;) {
        const ok = live().every((port) => cli(port, 'CLUSTER', 'INFO').includes('cluster_state:ok'));
        let served = true;
        if (ok && key !== undefined) {
          try {
            served = live().includes(await masterOf(key));
          } catch {
            served = false;
          }
        }
        if (ok && served) return;
        if (Date.now() > giveUpAt) throw new Error('Redis Cluster did not become healthy');
        await pause(100);
      }
    },
    dispose,
  };
  await cluster.waitHealthy();
  try {
    await replicasSynced();
  } catch (error) {
    await dispose();
    throw error;
  }
  return cluster;
}
