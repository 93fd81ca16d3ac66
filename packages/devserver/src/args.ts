import { parseArgs } from 'node:util';
import type { DevServerOptions } from './server';

export const HELP = `Usage: tokenwarden-devserver [options]

Reference token issuer for tokenwarden: session tokens, templates, OAuth2 refresh with rotation,
fault injection. Development only: anyone can sign in as anyone.

Options:
  --port <n>               Port to listen on, 0 for any free port       (default: 4010)
  --host <addr>            Address to listen on                         (default: 127.0.0.1)
  --ttl <s>                Lifetime of default session and OAuth tokens (default: 60)
  --static <dir>           Serve this folder for other GET requests     (default: none)
  --allowed-host <name>    Accept this Host name too (repeatable; localhost and IPs always are)
  --control-origin <url>   Let pages of this origin call the control API too (repeatable)
  -h, --help               Show this help

Requests naming another Host are refused (DNS rebinding). The control API (/__control/*) only
answers requests from this machine, from pages of this server's own origin (or --control-origin),
and control POSTs with a body must be application/json.
See packages/devserver/README.md for the endpoints.`;

export type CliCommand = { kind: 'help' } | { kind: 'start'; options: DevServerOptions };

/** Reads argv (without node and script). Throws a TypeError with a readable message on bad input. */
export function parseCliArgs(argv: readonly string[]): CliCommand {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', default: '4010' },
      host: { type: 'string', default: '127.0.0.1' },
      ttl: { type: 'string', default: '60' },
      static: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'control-origin': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { kind: 'help' };
  const port = wholeNumber(values.port, '--port');
  if (port > 65_535) throw new TypeError(`--port must be at most 65535, got ${port}`);
  const ttl = wholeNumber(values.ttl, '--ttl');
  if (ttl < 1) throw new TypeError('--ttl must be at least 1 second');
  const options: DevServerOptions = { port, host: values.host, ttl };
  if (values.static !== undefined) options.staticDir = values.static;
  if (values['allowed-host']) options.allowedHosts = values['allowed-host'];
  if (values['control-origin']) {
    for (const origin of values['control-origin']) {
      if (!URL.canParse(origin)) throw new TypeError(`--control-origin must be an origin such as http://localhost:5173, got "${origin}"`);
    }
    options.controlOrigins = values['control-origin'];
  }
  return { kind: 'start', options };
}

function wholeNumber(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new TypeError(`${flag} must be a whole number, got "${text}"`);
  return Number(text);
}
