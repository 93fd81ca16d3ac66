#!/usr/bin/env node
// `npm test`: every suite of the repo, in order of cost. Type checks first (cheap, catch the most),
// then one vitest run over unit, integration (real devserver), browser (real Chromium) and Redis
// suites, then the packaging gates. Ends with one "N passed, N failed" line for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDependencies } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const failures = [];
ensureDependencies(root);

function step(name, command, args, options = {}) {
  process.stdout.write(`\n▶ ${name}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) failures.push(name);
  return result.status === 0;
}

const typeProjects = [
  ['browser core without Node types', 'packages/tokenwarden/tsconfig.json'],
  ['library tests', 'packages/tokenwarden/tsconfig.test.json'],
  ['devserver', 'packages/devserver/tsconfig.json'],
  ['demo', 'apps/demo/tsconfig.json'],
  ['e2e', 'e2e/tsconfig.json'],
  ['bench', 'bench/tsconfig.json'],
];
for (const [name, project] of typeProjects) {
  if (existsSync(join(root, project))) step(`typecheck: ${name}`, bin('tsc'), ['-p', project, '--noEmit']);
}

const report = join(root, 'node_modules', '.cache', 'vitest-report.json');
rmSync(report, { force: true });
step('vitest: unit, integration, browser and Redis suites', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
]);

const pkg = JSON.parse(readFileSync(join(root, 'packages/tokenwarden/package.json'), 'utf8'));
if (pkg.scripts?.['test:package']) step('packaging gates', 'npm', ['run', 'test:package', '--workspace', 'tokenwarden']);

let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const summary = JSON.parse(readFileSync(report, 'utf8'));
  passed = summary.numPassedTests ?? 0;
  failed = (summary.numFailedTests ?? 0) + (summary.numTotalTestSuites > 0 && summary.success === false && summary.numFailedTests === 0 ? 1 : 0);
}
failed += failures.filter((name) => !name.startsWith('vitest')).length;
if (failures.length > 0) process.stdout.write(`\nFailed steps: ${failures.join('; ')}\n`);
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failures.length > 0 ? 1 : 0);
