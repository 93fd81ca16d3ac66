#!/usr/bin/env node
// `npm test`: every suite of the repo, cheapest first. Type checks (cheap, catch the most), then the
// fast suites in parallel (unit, property, real-HTTP integration, React, Redis coordinator), then the
// suites of the packed package (every doc sample, the Deno/Bun/workerd smoke tests), then the
// real-time suites one file at a time (real Chromium, the 8-process Redis fleet) so they never
// compete for the machine's two cores, then the packaging gates. Ends with one
// "N passed, N failed" line for CI.
//
//   node scripts/test.mjs              everything
//   node scripts/test.mjs --typecheck  type checks only (npm run typecheck)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const typecheckOnly = process.argv.includes('--typecheck');
const failedSteps = [];
const counts = { passed: 0, failed: 0 };

ensureDependencies(root);

function step(name, command, args) {
  process.stdout.write(`\n▶ ${name}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) failedSteps.push(name);
  return result.status === 0;
}

const typeProjects = [
  ['browser core without Node types', 'packages/tokenwarden/tsconfig.json'],
  ['library tests', 'packages/tokenwarden/tsconfig.test.json'],
  ['devserver', 'packages/devserver/tsconfig.json'],
  ['demo', 'apps/demo/tsconfig.json'],
  ['e2e', 'e2e/tsconfig.json'],
  ['doc-sample and runtime tests', 'test/tsconfig.json'],
];
// bench/src/libraries imports the peers, which only `npm run bench` installs (bench/node_modules):
// without them the bench cannot type-check, so it is checked only where they are installed.
if (existsSync(join(root, 'bench', 'node_modules'))) typeProjects.push(['bench', 'bench/tsconfig.json']);
else process.stdout.write('\n▷ typecheck: bench skipped (its peer libraries install with `npm run bench`)\n');
for (const [name, project] of typeProjects) {
  if (existsSync(join(root, project))) step(`typecheck: ${name}`, bin('tsc'), ['-p', project, '--noEmit']);
}

/** Suites that build and pack tokenwarden and use the tarball. */
const OWN_PACKAGE = ['test/docs/', 'test/runtimes/'];

/** Suites that run in real time with real browsers or many processes: one file at a time. */
const REAL_TIME = [
  'e2e/',
  'packages/tokenwarden/test/redis/fleet',
  'packages/tokenwarden/test/oidc/fleet',
  'packages/tokenwarden/test/oidc/tabs',
  'packages/tokenwarden/src/sync/redis/redisCoordinator.cluster',
];

function vitest(name, args) {
  const reportDir = join(root, 'node_modules', '.cache');
  mkdirSync(reportDir, { recursive: true });
  const report = join(reportDir, `vitest-${name.replace(/\W+/g, '-')}.json`);
  rmSync(report, { force: true });
  const ok = step(`vitest: ${name}`, bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...args]);
  if (!existsSync(report)) {
    counts.failed += 1;
    return;
  }
  const summary = JSON.parse(readFileSync(report, 'utf8'));
  counts.passed += summary.numPassedTests ?? 0;
  counts.failed += summary.numFailedTests ?? 0;
  // A suite that failed to load counts no test; make it count as a failure.
  if (!ok && (summary.numFailedTests ?? 0) === 0) counts.failed += 1;
}

if (!typecheckOnly) {
  vitest('unit, property, integration, React and Redis coordinator suites', [...REAL_TIME, ...OWN_PACKAGE].map((path) => `--exclude=${path}**`));
  // Each packs tokenwarden and runs it as an app would (doc samples, other runtimes): one at a time.
  vitest('doc samples and runtime smoke tests (the packed package)', ['--no-file-parallelism', ...OWN_PACKAGE]);
  vitest('real Chromium and Redis fleet suites', ['--no-file-parallelism', ...REAL_TIME]);

  const pkg = JSON.parse(readFileSync(join(root, 'packages/tokenwarden/package.json'), 'utf8'));
  if (pkg.scripts?.['test:package']) {
    if (!step('packaging gates (build, publint, attw, size-limit, API docs, tarball smoke test)', 'npm', ['run', 'test:package', '--workspace', 'tokenwarden'])) {
      counts.failed += 1;
    }
  }
}

for (const name of failedSteps.filter((name) => name.startsWith('typecheck'))) counts.failed += 1;
if (failedSteps.length > 0) process.stdout.write(`\nFailed steps: ${failedSteps.join('; ')}\n`);
process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed\n`);
process.exit(failedSteps.length > 0 ? 1 : 0);
