import { defineConfig } from 'vitest/config';

// The benchmark's own harness tests (cheap, no peers loaded): `npm test -w bench`.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 10_000,
  },
});
