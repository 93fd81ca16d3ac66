// Mutation testing of the engine (`npm run mutation`): which lines does no test defend? Stryker
// mutates the engine's modules one change at a time and runs the engine's unit, property and
// model-based tests (fake timers; no browser, no Redis) against each mutant. The score and every
// surviving mutant go to docs/quality.md (scripts/mutation.mjs).
export default {
  packageManager: 'npm',
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: { configFile: 'vitest.mutation.config.ts' },
  mutate: [
    'packages/tokenwarden/src/client.ts',
    'packages/tokenwarden/src/flight.ts',
    'packages/tokenwarden/src/cache.ts',
    'packages/tokenwarden/src/scheduler.ts',
    'packages/tokenwarden/src/clock.ts',
    'packages/tokenwarden/src/retry.ts',
    'packages/tokenwarden/src/jwt.ts',
    'packages/tokenwarden/src/keys.ts',
    'packages/tokenwarden/src/sharedDraw.ts',
    'packages/tokenwarden/src/record.ts',
  ],
  coverageAnalysis: 'perTest',
  // Reruns test only the mutants whose code or covering tests changed since the last report.
  incremental: true,
  incrementalFile: 'reports/mutation/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 20_000,
  reporters: ['json', 'clear-text', 'progress'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  thresholds: { high: 90, low: 85, break: null },
};
