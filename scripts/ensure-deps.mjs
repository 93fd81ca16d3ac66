// A fresh clone has no node_modules: install exactly what the lock file says before anything else.
// Uses only Node built-ins, so it runs before any dependency exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** `quiet`: npm's output goes to stderr, for commands whose stdout is meant to be one line. */
export function ensureDependencies(root, { quiet = false } = {}) {
  if (existsSync(join(root, 'node_modules', '.bin', 'vitest'))) return;
  (quiet ? process.stderr : process.stdout).write('node_modules missing: running npm ci\n');
  const stdio = quiet ? ['ignore', process.stderr, process.stderr] : 'inherit';
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
