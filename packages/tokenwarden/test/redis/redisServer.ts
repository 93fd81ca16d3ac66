import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REDIS_SERVER = '/usr/bin/redis-server';
/** How long a starting redis-server may take to say it is ready. */
const START_TIMEOUT = 10_000;

/** A real redis-server on a loopback port, in its own temp dir, with no persistence. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly running: boolean;
  /** Kills the server at once (SIGKILL, like a crash or a lost host) and waits for it to exit. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty (no persistence, as after a real restart). */
  start(): Promise<void>;
  /** Stops it for good and removes its temp dir. */
  dispose(): Promise<void>;
}

/** The Debian package, installed when missing (CI images without it, run as root). */
function ensureRedisServer(): string {
  if (existsSync(REDIS_SERVER)) return REDIS_SERVER;
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (asRoot) {
    spawnSync('apt-get', ['update'], { stdio: 'ignore' });
    spawnSync('apt-get', ['install', '-y', 'redis-server'], {
      stdio: 'ignore',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  if (existsSync(REDIS_SERVER)) return REDIS_SERVER;
  throw new Error(`${REDIS_SERVER} is missing: install it with \`apt-get install -y redis-server\``);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'notice',
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`redis-server did not become ready on port ${port}:\n${output}`)), START_TIMEOUT);
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
        // Keep draining so a chatty server never blocks on a full pipe.
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
    child.once('exit', (code) => fail(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)));
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
 * Starts `redis-server --port <free> --save '' --appendonly no` in a temp dir. Call `dispose()` in
 * `afterAll`. The port stays the same across `stop()`/`start()`, like a Redis host that restarts.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = ensureRedisServer();
  const dir = mkdtempSync(join(tmpdir(), 'tokenwarden-redis-'));
  let port = await freePort();
  let child: ChildProcess | undefined;
  // The free port can be taken between probing and binding; try a few.
  for (let attempt = 0; !child; attempt++) {
    try {
      child = await launch(binary, port, dir);
    } catch (error) {
      if (attempt >= 3) throw error;
      port = await freePort();
    }
  }
  let current: ChildProcess | undefined = child;
  const finalPort = port;
  return {
    port: finalPort,
    url: `redis://127.0.0.1:${finalPort}`,
    get running() {
      return current !== undefined;
    },
    async stop() {
      if (!current) return;
      const stopping = current;
      current = undefined;
      await killAndWait(stopping);
    },
    async start() {
      if (current) return;
      current = await launch(binary, finalPort, dir);
    },
    async dispose() {
      if (current) await killAndWait(current);
      current = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
