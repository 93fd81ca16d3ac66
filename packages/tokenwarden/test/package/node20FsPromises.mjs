/**
 * node:fs/promises plus the subset of Node 22's `glob` that size-limit uses: literal paths and
 * `dir/**`, with `withFileTypes`. Any other pattern fails loudly rather than matching wrongly.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';

export * from 'node:fs/promises';

function fileEntry(path, stats) {
  return { name: basename(path), parentPath: dirname(path), isFile: () => stats.isFile(), isDirectory: () => stats.isDirectory() };
}

async function statOrNull(path) {
  try {
    return await stat(path);
  } catch {
    return null;
  }
}

export async function* glob(patterns, { cwd = process.cwd() } = {}) {
  for (const pattern of Array.isArray(patterns) ? patterns : [patterns]) {
    const recursive = pattern.endsWith('/**');
    const literal = recursive ? pattern.slice(0, -3) : pattern;
    if (/[*?[\]{}!]/.test(literal)) {
      throw new Error(`size-limit on Node 20: only literal paths are supported here, not "${pattern}" (use Node >= 22 for globs)`);
    }
    const path = isAbsolute(literal) ? literal : join(cwd, literal);
    const stats = await statOrNull(path);
    if (!stats) continue;
    if (!recursive) {
      yield fileEntry(path, stats);
    } else if (stats.isDirectory()) {
      for (const entry of await readdir(path, { recursive: true, withFileTypes: true })) yield entry;
    }
  }
}
