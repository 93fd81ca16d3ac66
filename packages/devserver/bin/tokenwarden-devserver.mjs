#!/usr/bin/env node
// Runs the built CLI. dist/ is not committed: `npm run build` at the repo root (or
// `npm run build -w @tokenwarden/devserver`) creates it.
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('tokenwarden-devserver is not built yet: run `npm run build -w @tokenwarden/devserver` first.');
    process.exit(1);
  }
  throw error;
}
