/**
 * The built package in the other runtimes it claims: Deno 2, Bun 1.x and Cloudflare's workerd,
 * each from npm with its binary (test/runtimes/package.json, its own lock file, installed here on
 * first use so the repo's `npm ci` never downloads ~350 MB of runtimes). Each runs scenario.mjs
 * against the real devserver: fetch, cache hit, single-flight, OfflineError, destroy(), and ends
 * on its own (Deno, Bun) or settles its request (workerd).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../../packages/devserver/src/index';
import { freePort } from '../../packages/tokenwarden/test/redis/redisServer';
import { createConsumer } from '../docs/consumer.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const bin = (name: string) => join(here, 'node_modules', '.bin', name);

/** What every runtime must observe (see scenario.mjs). */
const EXPECTED = {
  concurrentCallsRequests: 1,
  concurrentCallsSameToken: true,
  tokenIsSessionJwt: true,
  cacheHitSameToken: true,
  requestsAfterCacheHit: 1,
  offline: 'OfflineError',
  offlineRequests: 0,
  afterDestroy: 'destroyed',
  unreachable: 'OfflineError',
};

/** npm writes node_modules/.package-lock.json on install: older than the lock means it changed. */
function ensureRuntimes(): void {
  const installed = join(here, 'node_modules', '.package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(join(here, 'package-lock.json')).mtimeMs) return;
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm ci in test/runtimes failed:\n${result.stderr}`);
}

let work: string;
let project: string;
let devserver: DevServer;
let config: { baseUrl: string; sessionId: string; cookie: string; closedUrl: string };

beforeAll(async () => {
  ensureRuntimes();
  ({ work, project } = createConsumer(root));
  for (const name of ['scenario.mjs', 'main.mjs', 'worker.mjs']) copyFileSync(join(here, name), join(project, name));
  devserver = await startDevServer({ port: 0, onError: (error) => console.error(error) });
  const signIn = await fetch(`${devserver.url}/v1/client/sign_in`, { method: 'POST' });
  const { session_id: sessionId } = (await signIn.json()) as { session_id: string };
  // A port nothing listens on: connections to it are refused.
  const closedUrl = `http://127.0.0.1:${await freePort()}`;
  config = { baseUrl: devserver.url, sessionId, cookie: signIn.headers.getSetCookie()[0]!.split(';')[0]!, closedUrl };
}, 240_000);

afterAll(async () => {
  await devserver?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs a runtime to its natural end (killed after 30 s: a client that keeps it alive fails). */
function runToEnd(command: string, args: string[]): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function lastJsonLine(stdout: string): unknown {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line);
  } catch {
    return stdout;
  }
}

describe('Deno 2', () => {
  it('fetch, cache hit, single-flight, OfflineError, destroy(), then exits on its own', async () => {
    const args = ['run', '--quiet', '--no-prompt', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', 'main.mjs', JSON.stringify(config)];
    const result = await runToEnd(bin('deno'), args);
    expect({ exit: result.code, stderr: result.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(lastJsonLine(result.stdout)).toEqual(EXPECTED);
  }, 60_000);
});

describe('Bun 1.x', () => {
  it('fetch, cache hit, single-flight, OfflineError, destroy(), then exits on its own', async () => {
    const result = await runToEnd(bin('bun'), ['main.mjs', JSON.stringify(config)]);
    expect({ exit: result.code, stderr: result.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(lastJsonLine(result.stdout)).toEqual(EXPECTED);
  }, 60_000);
});

/** Serves worker.mjs in workerd, POSTs the config, returns the observations. */
async function runInWorkerd(): Promise<Record<string, unknown>> {
  // The package's ESM build as it ships (dist/index.js and the chunks it imports), no bundler:
  // module names keep the relative imports between the chunks resolvable.
  const dist = join(project, 'node_modules', 'tokenwarden', 'dist');
  const chunks = readdirSync(dist).filter((name) => name.endsWith('.js') && !['index.js', 'react.js', 'redis.js', 'react-native.js'].includes(name));
  const modules = [
    '(name = "worker.mjs", esModule = embed "worker.mjs")',
    '(name = "scenario.mjs", esModule = embed "scenario.mjs")',
    `(name = "tokenwarden", esModule = embed "node_modules/tokenwarden/dist/index.js")`,
    ...chunks.map((name) => `(name = "${name}", esModule = embed "node_modules/tokenwarden/dist/${name}")`),
  ];
  const port = await freePort();
  writeFileSync(
    join(project, 'workerd.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .smokeWorker),
    # Outbound requests may reach loopback only (the devserver); workerd's default allows public addresses only.
    (name = "loopback", network = (allow = ["local", "private"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const smokeWorker :Workerd.Worker = (
  modules = [ ${modules.join(',\n    ')} ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`,
  );
  const child = spawn(bin('workerd'), ['serve', 'workerd.capnp', '--verbose'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  child.stdout.on('data', (chunk) => (logs += chunk));
  child.stderr.on('data', (chunk) => (logs += chunk));
  try {
    let response: Response | undefined;
    for (let attempt = 0; attempt < 100 && !response; attempt++) {
      response = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: JSON.stringify(config) }).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    expect(response, logs).toBeDefined();
    const text = await response!.text();
    expect({ status: response!.status, text: response!.status === 200 ? 'ok' : `${text}\n${logs}` }).toEqual({ status: 200, text: 'ok' });
    // A promise left pending past the response would be reported by workerd in its log.
    expect(logs).not.toMatch(/never generate a response|uncaught/i);
    return JSON.parse(text) as Record<string, unknown>;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

describe('Cloudflare workerd', () => {
  let observed: Record<string, unknown>;
  beforeAll(async () => {
    observed = await runInWorkerd();
  }, 60_000);

  it('fetch, cache hit, single-flight, OfflineError, destroy(), within one request', () => {
    const { unreachable: _, ...rest } = EXPECTED;
    expect({ ...observed, unreachable: undefined }).toEqual({ ...rest, unreachable: undefined });
  });

  // workerd's fetch rejects a refused connection with a plain `Error: Network connection lost.`,
  // not the TypeError of browsers, Node, Deno and Bun; retry.ts knows that message.
  it('a refused connection ends in OfflineError', () => {
    expect(observed.unreachable).toBe('OfflineError');
  });
});

it('the runtimes tested are the ones the README lists', () => {
  const versions = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')).devDependencies as Record<string, string>;
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const missing = Object.entries(versions).map(([name, version]) => `${name} ${version}`).filter((text) => !readme.includes(text));
  expect(missing).toEqual([]);
});
