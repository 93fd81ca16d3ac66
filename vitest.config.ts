import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./packages/tokenwarden/src/${path}`, import.meta.url));

// One runner for every package: unit tests (fake timers), integration tests against the real
// devserver, and the browser/Redis suites, which bring up their own real services.
export default defineConfig({
  resolve: {
    // Tests run against the sources; the packed build is checked separately (packaging smoke test).
    alias: [
      { find: /^tokenwarden$/, replacement: src('index.ts') },
      { find: /^tokenwarden\/react$/, replacement: src('react/index.ts') },
      { find: /^tokenwarden\/redis$/, replacement: src('sync/redis/index.ts') },
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.{ts,tsx}',
      'packages/*/test/**/*.test.{ts,tsx}',
      'apps/*/src/**/*.test.ts',
      'bench/src/**/*.test.ts',
      'e2e/**/*.test.ts',
      'test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
