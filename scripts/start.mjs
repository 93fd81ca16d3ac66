#!/usr/bin/env node
// `npm start`: builds what is out of date (the devserver's dist, the demo page), starts the
// devserver serving the page on one origin, and prints exactly one line: the URL to open.
//
//   npm start                      port 4010 (or $PORT), a free port if that one is busy
//   npm start -- --ttl 10          session tokens live 10 s (default 30: every phase stays visible)
//   npm start -- --port 0          any free port
//
// Everything but that one line goes to stderr, and only when something fails.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDependencies } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = (...parts) => join(root, ...parts);

const DEFAULT_PORT = 4010;
const DEFAULT_TTL = 30;

/** The child process running right now (a build), so a Ctrl+C reaches it too. */
let child;
/** Set once the server listens; closing it is the clean way out. */
let server;

function readOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, ttl: { type: 'string' } },
    strict: true,
  });
  const port = Number(values.port ?? process.env.PORT ?? DEFAULT_PORT);
  const ttl = Number(values.ttl ?? process.env.TOKEN_TTL ?? DEFAULT_TTL);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`port must be 0..65535, got ${values.port ?? process.env.PORT}`);
  if (!Number.isInteger(ttl) || ttl < 1) throw new Error(`ttl must be a whole number of seconds >= 1, got ${values.ttl ?? process.env.TOKEN_TTL}`);
  return { port, ttl };
}

/** Newest modification time under `paths` (files or folders), tests and build output excluded. */
function newestInput(paths) {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const info = statSync(path);
    if (info.isDirectory()) {
      for (const name of readdirSync(path)) {
        if (name === 'node_modules' || name === 'dist' || /\.test(-d)?\.tsx?$/.test(name)) continue;
        visit(join(path, name));
      }
    } else {
      newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const path of paths) visit(path);
  return newest;
}

/** A build is needed when its output is missing or older than any of its inputs. */
function isStale(output, inputs) {
  return !existsSync(output) || statSync(output).mtimeMs < newestInput(inputs);
}

/** Runs a command quietly; its output is shown only if it fails. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    let output = '';
    child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      child = undefined;
      if (code === 0) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${output}`));
    });
  });
}

async function buildDevserver() {
  const pkg = JSON.parse(readFileSync(at('packages/devserver/package.json'), 'utf8'));
  const output = at('packages/devserver/dist/index.js');
  if (!pkg.scripts?.build) {
    if (!existsSync(output)) throw new Error('packages/devserver has neither a build script nor a dist/ to run');
    return;
  }
  if (isStale(output, [at('packages/devserver/src'), at('packages/devserver/tsdown.config.ts'), at('packages/devserver/package.json')])) {
    await run('npm', ['run', 'build', '--workspace', '@tokenwarden/devserver']);
  }
}

async function buildDemo() {
  const demo = at('apps/demo');
  const inputs = [join(demo, 'src'), join(demo, 'index.html'), join(demo, 'vite.config.ts'), at('packages/tokenwarden/src')];
  if (!isStale(join(demo, 'dist', 'index.html'), inputs)) return;
  const { build } = await import('vite');
  await build({ configFile: join(demo, 'vite.config.ts'), logLevel: 'error' });
}

/** Listens on `port`, or on any free port when it is taken. */
async function listen(startDevServer, options) {
  const settings = { ttl: options.ttl, staticDir: at('apps/demo/dist') };
  try {
    return { server: await startDevServer({ ...settings, port: options.port }), fellBack: false };
  } catch (error) {
    if (error?.code !== 'EADDRINUSE') throw error;
    return { server: await startDevServer({ ...settings, port: 0 }), fellBack: true };
  }
}

function onSignal(signal) {
  if (child) {
    // Mid-build: stop the build first, so no half-written dist is left running on its own.
    child.once('exit', () => process.exit(0));
    child.kill(signal);
    return;
  }
  if (!server) process.exit(0);
  // Closes listening and open connections (held requests too); then the process is free to end.
  void server.close().then(() => process.exit(0));
}

async function main() {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const options = readOptions(process.argv.slice(2));
  // A fresh clone: `npm start` is the one command, so it installs first (npm ci, output to stderr).
  ensureDependencies(root, { quiet: true });
  await buildDevserver();
  await buildDemo();
  const { startDevServer } = await import(pathToFileURL(at('packages/devserver/dist/index.js')).href);
  const started = await listen(startDevServer, options);
  server = started.server;
  const note = started.fellBack ? `   (port ${options.port} was busy)` : '';
  process.stdout.write(`tokenwarden demo: ${server.url}/${note}\n`);
}

main().catch((error) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
