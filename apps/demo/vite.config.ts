import { fileURLToPath } from 'node:url';
import { defineConfig, type ProxyOptions } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Where `npm run dev -w @tokenwarden/demo` finds the devserver (start it with `--port 4010`). */
const DEVSERVER = process.env.DEVSERVER_URL ?? 'http://127.0.0.1:4010';

/**
 * The devserver refuses a Host that is not its own and control calls from other origins (DNS
 * rebinding, CSRF). This page is the devserver's page as far as the developer is concerned, so the
 * proxy speaks for it: the devserver's Host, and its origin in place of this page's own origin
 * only (a request from any other page keeps its Origin and is refused).
 */
const devserverProxy: ProxyOptions = {
  target: DEVSERVER,
  changeOrigin: true,
  configure(proxy) {
    proxy.on('proxyReq', (proxyReq, req) => {
      if (req.headers.origin === `http://${req.headers.host}`) proxyReq.setHeader('origin', new URL(DEVSERVER).origin);
    });
  },
};

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
    proxy: Object.fromEntries(['/v1', '/__control', '/.well-known', '/oauth'].map((prefix) => [prefix, devserverProxy])),
  },
});
