import { HELP, parseCliArgs, type CliCommand } from './args';
import { startDevServer } from './server';

/** The `tokenwarden-devserver` command. Importing this module starts it: it is an entry point only. */
async function main(argv: readonly string[]): Promise<void> {
  let command: CliCommand;
  try {
    command = parseCliArgs(argv);
  } catch (error) {
    console.error(`tokenwarden-devserver: ${(error as Error).message}\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  if (command.kind === 'help') {
    console.log(HELP);
    return;
  }
  const server = await startDevServer(command.options);
  console.log(`tokenwarden devserver listening on ${server.url}`);
  console.log(`  JWKS:    ${server.url}/.well-known/jwks.json`);
  console.log(`  control: ${server.url}/__control/faults (loopback only)`);
  if (command.options.staticDir) console.log(`  static:  ${command.options.staticDir}`);

  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error('tokenwarden-devserver failed to start:', error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
