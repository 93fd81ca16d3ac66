import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './args';

describe('parseCliArgs', () => {
  it('has a default for every flag', () => {
    expect(parseCliArgs([])).toEqual({ kind: 'start', options: { port: 4010, host: '127.0.0.1', ttl: 60 } });
  });

  it('reads every flag', () => {
    expect(parseCliArgs(['--port', '0', '--host', '0.0.0.0', '--ttl', '300', '--static', 'apps/demo/dist'])).toEqual({
      kind: 'start',
      options: { port: 0, host: '0.0.0.0', ttl: 300, staticDir: 'apps/demo/dist' },
    });
    expect(parseCliArgs(['--port=5000']).kind).toBe('start');
  });

  it('reads repeated --allowed-host and --control-origin', () => {
    const command = parseCliArgs(['--allowed-host', 'devbox.local', '--allowed-host', 'box', '--control-origin', 'http://localhost:5173']);
    expect(command).toMatchObject({ options: { allowedHosts: ['devbox.local', 'box'], controlOrigins: ['http://localhost:5173'] } });
  });

  it('shows help', () => {
    expect(parseCliArgs(['--help'])).toEqual({ kind: 'help' });
    expect(parseCliArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([[['--port', 'x']], [['--port', '70000']], [['--ttl', '0']], [['--ttl', '1.5']], [['--nope']], [['stray']], [['--control-origin', 'localhost']]])('refuses %j', (argv) => {
    expect(() => parseCliArgs(argv)).toThrow();
  });
});
