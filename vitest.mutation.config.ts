import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// The engine's own tests only: what defends client, flight, cache, scheduler, clock, retry, jwt,
// keys and record. Real-service suites (HTTP, Chromium, Redis) are slow and cover other layers.
// Spread, not `mergeConfig`: that concatenates `include` and would run every suite of the repo.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'packages/tokenwarden/src/*.test.ts',
      'packages/tokenwarden/src/react/*.test.{ts,tsx}',
      // Deliveries through a coordinator exercise the cache's door and the sign-out rules.
      'packages/tokenwarden/src/sync/broadcast/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/tokenwarden/src/*.devserver.test.ts'],
  },
});
