import { defineConfig } from 'tsdown';

/**
 * One bundle per public entry point, in ESM and CJS, each with its own declarations
 * (`.d.ts` next to `.js`, `.d.cts` next to `.cjs`), as the `exports` map in package.json lists them.
 * Peer dependencies (react, ioredis, redis, @opentelemetry/api) stay external. Shared internals land in hashed chunks, so an app
 * importing `tokenwarden` and `tokenwarden/react` loads the engine once per format.
 */
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    react: 'src/react/index.ts',
    'react-native': 'src/react-native.ts',
    redis: 'src/sync/redis/index.ts',
    otel: 'src/otel/index.ts',
  },
  format: ['esm', 'cjs'],
  // Browsers, React Native, Node, edge runtimes: nothing platform-specific is assumed at build time.
  platform: 'neutral',
  target: 'es2022',
  dts: true,
  fixedExtension: false,
  clean: true,
  // The CJS build exists for older toolchains (Jest, ts-node); it is not a deprecated choice here.
  checks: { legacyCjs: false },
});
