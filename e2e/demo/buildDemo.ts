import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const DEMO_ROOT = fileURLToPath(new URL('../../apps/demo/', import.meta.url));

/**
 * Builds the demo page with its own Vite config into a fresh temp folder, so a test run never
 * races `npm start` (or another run) over `apps/demo/dist`. Resolves to the folder.
 */
export async function buildDemo(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'tokenwarden-demo-'));
  await build({
    configFile: join(DEMO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  return outDir;
}
