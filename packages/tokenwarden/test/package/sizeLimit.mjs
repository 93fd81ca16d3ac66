/**
 * Runs the size-limit CLI (config: packages/tokenwarden/.size-limit.json).
 *
 * size-limit 14 declares Node >= 22.19: it uses `glob` from node:fs/promises and `Array.fromAsync`.
 * This repo runs on Node 20, so where those are missing this supplies them — `Array.fromAsync` as a
 * polyfill, `glob` through a module hook seen only by size-limit's own files — then starts the
 * unmodified CLI. On Node >= 22 it simply starts the CLI.
 */
import fs from 'node:fs/promises';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

if (typeof Array.fromAsync !== 'function') {
  Array.fromAsync = async (items) => {
    const out = [];
    for await (const item of items) out.push(item);
    return out;
  };
}
if (typeof fs.glob !== 'function') register('./node20GlobHook.mjs', import.meta.url);

const require = createRequire(import.meta.url);
const bin = join(dirname(require.resolve('size-limit/package.json')), 'bin.js');
await import(pathToFileURL(bin).href);
