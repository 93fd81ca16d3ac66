import { defineConfig } from 'vitest/config';
import base from './vitest.config';

// The in-process tests that defend client, flight, cache, scheduler, clock, retry, jwt, keys and
// record. Real-service suites (Chromium, Redis, oidc-provider) are slow and cover other layers.
// Spread, not `mergeConfig`: that concatenates `include` and would run every suite of the repo.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'packages/tokenwarden/src/*.test.ts',
      'packages/tokenwarden/src/react/*.test.{ts,tsx}',
      // Deliveries through a coordinator exercise the cache's door and the sign-out rules; sources,
      // OpenTelemetry and the Redis link's pure parts exercise the record, JWT, retry and event
      // shapes the engine hands them. All in-process, no external service.
      'packages/tokenwarden/src/sync/broadcast/*.test.ts',
      'packages/tokenwarden/src/sync/redis/redisParts.test.ts',
      'packages/tokenwarden/src/sources/*.test.ts',
      'packages/tokenwarden/src/otel/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/tokenwarden/src/*.devserver.test.ts'],
  },
});
