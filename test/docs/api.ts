import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * The app's own server for running samples. In Node, samples reach its API at `apiUrl`; in
 * Chromium it is also the page's origin: `GET /` is the page, `GET /sample.js` the sample bundled
 * with the browser context (`setScript`), and `POST /api/token` the app's token endpoint (it mints
 * through its own devserver session, as an app's backend would), so relative URLs work as in an app.
 *
 * Its API: `GET {url}/projects` answers a project list to a bearer
 * JWT the devserver signed (verified against its JWKS), 401 otherwise. The first valid token it is
 * shown after `refuseNextToken()` is refused once with 401, as an API does with a token it no longer
 * trusts, so the samples' "one retry with a fresh token" path runs for real.
 */
export interface SampleApi {
  /** The API's base URL (`{origin}/api`). */
  url: string;
  origin: string;
  /** The bundled sample `GET /sample.js` serves next. */
  setScript(code: string): void;
  /** Requests answered 200 / 401 since the last `reset()`. */
  counts: { ok: number; refused: number };
  reset(): void;
  close(): Promise<void>;
}

const PAGE = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><link rel="icon" href="data:,"><title>doc sample</title></head>
  <body><div id="root"></div><script type="module" src="/sample.js"></script></body>
</html>
`;

export async function startSampleApi(issuer: string): Promise<SampleApi> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const counts = { ok: 0, refused: 0 };
  let refused: string | undefined;
  let script = '';
  // The backend's own session on the devserver, for POST /api/token.
  const signIn = await fetch(`${issuer}/v1/client/sign_in`, { method: 'POST' });
  const { session_id: sessionId } = (await signIn.json()) as { session_id: string };
  const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;

  async function mintToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { template?: string; organizationId?: string | null; audience?: string }) : {};
    const path = `/v1/client/sessions/${sessionId}/tokens${body.template ? `/${encodeURIComponent(body.template)}` : ''}`;
    const minted = await fetch(issuer + path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ organization_id: body.organizationId, audience: body.audience }),
    });
    res.writeHead(minted.status, { 'content-type': 'application/json', date: minted.headers.get('date') ?? new Date().toUTCString() }).end(await minted.text());
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method === 'GET' && req.url === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (req.method === 'GET' && req.url === '/sample.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      if (req.method === 'POST' && req.url === '/api/token') return mintToken(req, res);
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      let valid = false;
      if (token) valid = await jwtVerify(token, jwks, { issuer }).then(() => true, () => false);
      if (valid && refused === undefined) refused = token;
      if (!valid || token === refused) {
        counts.refused += 1;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      counts.ok += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([{ id: 'p1', name: 'Docs' }]));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/api`,
    origin: `http://127.0.0.1:${address.port}`,
    setScript(code) {
      script = code;
    },
    counts,
    reset() {
      counts.ok = 0;
      counts.refused = 0;
      refused = undefined;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
