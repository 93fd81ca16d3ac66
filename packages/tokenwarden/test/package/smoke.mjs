/**
 * Packaging smoke test: packs tokenwarden, installs the tarball into a fresh project outside the
 * repo (offline: tokenwarden has no dependencies), then imports every subpath from ESM and from
 * CJS, exercises each a little, and type-checks a TypeScript consumer against the shipped
 * declarations (node16 ESM + CJS, `skipLibCheck: false`). Run after `npm run build`.
 *
 * The optional peers (react, react-dom, ioredis and their types) are linked from the repo's
 * node_modules rather than installed, so the test needs no network.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, '../..');
const repoModules = resolve(packageDir, '../../node_modules');
const fixtures = join(here, 'fixtures');
const peers = ['react', 'react-dom', 'scheduler', 'ioredis', 'redis', '@redis', '@opentelemetry', '@types/react', '@types/react-dom', '@types/node'];

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const step = (message) => console.log(`smoke: ${message}`);

const work = mkdtempSync(join(tmpdir(), 'tokenwarden-smoke-'));
let failed = false;
try {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], packageDir));
  const tarball = join(work, packed.filename);
  step(`packed ${packed.filename} (${packed.entryCount} files, ${packed.size} bytes)`);

  const project = join(work, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tokenwarden-consumer', private: true, version: '0.0.0' }, null, 2));
  run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], project);
  step('installed the tarball offline');

  for (const name of peers) {
    const link = join(project, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repoModules, name), link, 'dir');
  }
  cpSync(fixtures, project, { recursive: true });
  // Stored as .txt so the repo's own TypeScript programs (tsconfig.test.json includes test/) leave
  // them alone: they import the *packed* tokenwarden, which only exists in the consumer project.
  for (const name of ['consumer.mts', 'consumer.cts']) renameSync(join(project, `${name}.txt`), join(project, name));

  step(run('node', ['esm.mjs'], project).trim());
  step(run('node', ['cjs.cjs'], project).trim());
  run('node', [join(repoModules, 'typescript/bin/tsc'), '-p', 'tsconfig.json'], project);
  step('TypeScript consumer (node16, ESM and CJS, skipLibCheck: false) type-checks');
} catch (error) {
  failed = true;
  console.error(`smoke: FAILED (project kept at ${work})`);
  console.error(error.stdout ?? error.message ?? error);
} finally {
  if (!failed) rmSync(work, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
