import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ENTRY = fileURLToPath(new URL('./page/main.ts', import.meta.url));

const HTML = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><link rel="icon" href="data:,"><title>tokenwarden cross-tab</title></head>
  <body><script type="module" src="./page.js"></script></body>
</html>
`;

/** Bundles the test page (tokenwarden from its sources) into a fresh temp folder; resolves to it. */
export async function buildCrossTabPage(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'tokenwarden-cross-tab-'));
  await build({
    entryPoints: [ENTRY],
    outfile: join(outDir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  });
  await writeFile(join(outDir, 'index.html'), HTML);
  return outDir;
}
