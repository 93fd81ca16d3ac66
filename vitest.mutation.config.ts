import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

// The engine's own tests only: what defends client, flight, cache, scheduler, clock, retry, jwt,
// keys and record. Real-service suites (HTTP, Chromium, Redis) are slow and cover other layers.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['packages/tokenwarden/src/*.test.ts', 'packages/tokenwarden/src/react/*.test.{ts,tsx}'],
      exclude: ['**/node_modules/**', '**/dist/**', 'packages/tokenwarden/src/*.devserver.test.ts'],
    },
  }),
);
