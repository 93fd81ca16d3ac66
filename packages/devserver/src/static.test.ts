import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startHarness, type Harness } from './testHarness';

describe('staticDir', () => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tw-static-'));
    const root = join(dir, 'public');
    await mkdir(join(root, 'assets'), { recursive: true });
    await writeFile(join(root, 'index.html'), '<!doctype html><title>demo</title>');
    await writeFile(join(root, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(join(root, 'assets', 'style.css'), 'body{}');
    await writeFile(join(root, 'assets', 'blob.bin'), 'x');
    await writeFile(join(dir, 'secret.txt'), 'outside');
    await symlink(join(dir, 'secret.txt'), join(root, 'link.txt'));
    h = await startHarness({ staticDir: root });
  });
  afterAll(async () => {
    await h.server.close();
    await rm(dir, { recursive: true, force: true });
    expect(h.errors).toEqual([]);
  });

  it('serves index.html for / and files with their content types', async () => {
    const index = await h.get('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>demo</title>');
    expect((await h.get('/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await h.get('/assets/style.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await h.get('/assets/blob.bin')).headers.get('content-type')).toBe('application/octet-stream');
    expect((await h.get('/assets/app.js?v=3')).status).toBe(200);
  });

  it('answers HEAD without a body', async () => {
    const res = await rawRequest(h.url, { method: 'HEAD', path: '/index.html' });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['content-length']).toBe('34');
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/link.txt', '/%00', '/%E0%A4%A', '/assets', '/missing.html'])(
    'refuses %s with a JSON 404',
    async (path) => {
      const res = await rawRequest(h.url, { method: 'GET', path });
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ error: 'not_found' });
    },
  );

  it('never serves files under API prefixes and keeps API routes first', async () => {
    expect((await h.get('/.well-known/jwks.json')).headers.get('content-type')).toContain('application/json');
    expect((await h.get('/v1/index.html')).status).toBe(404);
    expect((await h.post('/index.html')).status).toBe(404);
  });
});
