// A fresh clone has no node_modules: install exactly what the lock file says before anything else.
// Uses only Node built-ins, so it runs before any dependency exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function ensureDependencies(root) {
  if (existsSync(join(root, 'node_modules', '.bin', 'vitest'))) return;
  process.stdout.write('node_modules missing: running npm ci\n');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
