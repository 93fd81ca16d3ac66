import { defineConfig } from 'vitest/config';

// The benchmark's own harness tests (cheap, no peers loaded): `cd bench && npm test`, or the root `npm test`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 10_000,
  },
});
