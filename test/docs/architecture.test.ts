/**
 * docs/architecture.md stays true to the tree: its module table names every module of
 * packages/tokenwarden/src (files and folders, tests and the index aside), and every module it
 * names exists. A new module, or a renamed one, fails here until the page says what it does.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(root, 'packages', 'tokenwarden', 'src');
const page = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');

/** The backticked names in the first cell of each row of the "## Modules" table. */
function documentedModules(): string[] {
  const section = page.split('\n## Modules')[1]?.split('\n## ')[0] ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1]!));
}

function actualModules(): string[] {
  const modules: string[] = [];
  for (const name of readdirSync(src)) {
    if (statSync(join(src, name)).isDirectory()) {
      if (name === 'sync') modules.push(...readdirSync(join(src, name)).map((sub) => `sync/${sub}/`));
      else modules.push(`${name}/`);
    } else if (/\.tsx?$/.test(name) && !/\.test(-d)?\.tsx?$/.test(name) && name !== 'index.ts') {
      modules.push(name);
    }
  }
  return modules.sort();
}

it('names every module of packages/tokenwarden/src', () => {
  const documented = new Set(documentedModules());
  expect(actualModules().filter((name) => !documented.has(name))).toEqual([]);
});

it('names no module that does not exist', () => {
  expect(documentedModules().filter((name) => !existsSync(join(src, name)))).toEqual([]);
});
