import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Where `npm run dev -w @tokenwarden/demo` finds the devserver (start it with `--port 4010`). */
const DEVSERVER = process.env.DEVSERVER_URL ?? 'http://127.0.0.1:4010';

// The page bundles the library from its sources: no library build is needed to run the demo.
export default defineConfig({
  root: here('.'),
  base: './',
  resolve: {
    alias: [{ find: /^tokenwarden$/, replacement: here('../../packages/tokenwarden/src/index.ts') }],
  },
  build: {
    outDir: here('dist'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    host: '127.0.0.1',
    // Same origin for the page and the API in dev mode too, so the session cookie just works.
    proxy: Object.fromEntries(['/v1', '/__control', '/.well-known', '/oauth'].map((prefix) => [prefix, DEVSERVER])),
  },
});
