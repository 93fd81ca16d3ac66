// Runs one transpiled sample (after context.mjs) and exits: 0 when its top level completed, 1 with
// the error when it threw. Exits explicitly because a sample may leave a live connection behind
// (the Redis one keeps its ioredis client, as an app would).
import { pathToFileURL } from 'node:url';

process.on('unhandledRejection', (error) => {
  console.error('unhandled rejection:', error);
  process.exit(1);
});

try {
  await import(pathToFileURL(process.argv[2]).href);
  // Let background work the sample started (a refresh, an event) surface its errors.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.exit(0);
} catch (error) {
  console.error(error);
  process.exit(1);
}
