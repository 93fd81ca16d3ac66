// An app that installed tokenwarden from npm: builds and packs the package, installs the tarball
// offline into a fresh project in the system temp directory, and links the libraries the samples
// use from the repo's node_modules (no network needed). Samples then import `tokenwarden`,
// `tokenwarden/react`, `tokenwarden/redis` exactly as an app would: through the package's exports
// map, against the shipped declarations.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const LINKED = [
  'react',
  'react-dom',
  'scheduler',
  'ioredis',
  'redis',
  '@redis',
  '@opentelemetry',
  'axios',
  'ky',
  '@tanstack/react-query',
  '@tanstack/query-core',
  '@types/react',
  '@types/react-dom',
  '@types/node',
  'undici-types',
];

const run = (command, args, cwd) => execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Creates the project and returns its directory. `build: false` packs the dist/ already there. */
export function createConsumer(root, { build = true } = {}) {
  const packageDir = join(root, 'packages', 'tokenwarden');
  if (build) run('npm', ['run', 'build'], packageDir);
  const work = mkdtempSync(join(tmpdir(), 'tokenwarden-docs-'));
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], packageDir));
  const project = join(work, 'app');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'docs-app', private: true, version: '0.0.0', type: 'module' }, null, 2));
  run('npm', ['install', join(work, packed.filename), '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'], project);
  for (const name of LINKED) {
    const target = join(root, 'node_modules', name);
    if (!existsSync(target)) continue;
    const link = join(project, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, 'dir');
  }
  return { work, project };
}
