#!/usr/bin/env node
// `npm run bench` / `npm run bench:quick`: the benchmark drives tokenwarden's peers (Supabase,
// Auth0, Firebase, oidc-client-ts, keycloak-js, Clerk), which nothing else in the repo needs. They
// live in bench/package.json with their own lock file, outside the root workspaces, so `npm ci`,
// `npm start` and `npm test` never download them; they are installed here, on first use.
//
//   node scripts/bench.mjs bench         the full benchmark (bench/package.json "bench")
//   node scripts/bench.mjs bench:quick   a shorter run of the peer table
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bench = join(root, 'bench');
const [script = 'bench', ...rest] = process.argv.slice(2);

ensureDependencies(root);

// npm writes node_modules/.package-lock.json on every install: older than the lock file means the
// lock changed since (a pull, a merge), so install again.
const installed = join(bench, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(bench, 'package-lock.json')).mtimeMs) {
  process.stdout.write('bench: installing the peer libraries (bench/package-lock.json)\n');
  const install = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: bench, stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
}

const result = spawnSync('npm', ['run', script, ...(rest.length ? ['--', ...rest] : [])], { cwd: bench, stdio: 'inherit' });
process.exit(result.status ?? 1);
