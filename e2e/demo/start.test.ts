import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Started {
  child: ChildProcessWithoutNullStreams;
  /** The first stdout line. */
  line: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `npm start`'s script and resolves at its first line of output. */
function start(args: string[], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, ['scripts/start.mjs', ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const newline = stdout.indexOf('\n');
      if (newline >= 0) resolve({ child, line: stdout.slice(0, newline), stdout: () => stdout, stderr: () => stderr, exited });
    });
    void exited.then(({ code }) => reject(new Error(`start.mjs exited (${code}) before printing a URL: ${stderr}`)));
  });
}

describe('npm start (scripts/start.mjs)', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('builds, serves the demo and the devserver on one origin, prints one URL line, falls back from a busy port, exits 0 on SIGTERM', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => busy.close(resolve)));
    const busyPort = (busy.address() as { port: number }).port;

    const run = await start([], { PORT: String(busyPort) });
    cleanups.push(() => run.child.kill('SIGKILL'));
    const match = /^tokenwarden demo: (http:\/\/127\.0\.0\.1:(\d+)\/) {3}\(port (\d+) was busy\)$/.exec(run.line);
    expect(match, run.line).not.toBeNull();
    const [, url, port, busyNoted] = match as unknown as [string, string, string, string];
    expect(Number(port)).not.toBe(busyPort);
    expect(Number(busyNoted)).toBe(busyPort);

    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>tokenwarden');
    const faults = await fetch(`${url}__control/faults`);
    expect(faults.status).toBe(200);
    const signIn = await fetch(`${url}v1/client/sign_in`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(signIn.status).toBe(200);

    run.child.kill('SIGTERM');
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toBe(`${run.line}\n`);
    expect(run.stderr()).toBe('');
  }, 90_000);

  it('takes --port and --ttl, and exits 0 on SIGINT', async () => {
    const run = await start(['--port', '0', '--ttl', '12']);
    cleanups.push(() => run.child.kill('SIGKILL'));
    const url = /(http:\/\/\S+)/.exec(run.line)?.[1] as string;
    expect(run.line).toBe(`tokenwarden demo: ${url}`);
    const sessionCookie = (await fetch(`${url}v1/client/sign_in`, { method: 'POST' })).headers.getSetCookie()[0]?.split(';')[0] as string;
    const sessions = (await (await fetch(`${url}__control/sessions`)).json()) as { sessions: Array<{ id: string }> };
    const sessionId = sessions.sessions[0]?.id as string;
    const minted = (await (await fetch(`${url}v1/client/sessions/${sessionId}/tokens`, { method: 'POST', headers: { cookie: sessionCookie } })).json()) as { jwt: string };
    const claims = JSON.parse(Buffer.from(minted.jwt.split('.')[1] as string, 'base64url').toString()) as { iat: number; exp: number };
    expect(claims.exp - claims.iat).toBe(12);

    run.child.kill('SIGINT');
    expect(await run.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});
