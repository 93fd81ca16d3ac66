import { createServer, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

/**
 * The app's own API for running samples: `GET {url}/projects` answers a project list to a bearer
 * JWT the devserver signed (verified against its JWKS), 401 otherwise. The first valid token it is
 * shown after `refuseNextToken()` is refused once with 401, as an API does with a token it no longer
 * trusts, so the samples' "one retry with a fresh token" path runs for real.
 */
export interface SampleApi {
  url: string;
  /** Requests answered 200 / 401 since the last `reset()`. */
  counts: { ok: number; refused: number };
  reset(): void;
  close(): Promise<void>;
}

export async function startSampleApi(issuer: string): Promise<SampleApi> {
  const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  const counts = { ok: 0, refused: 0 };
  let refused: string | undefined;
  const server: Server = createServer((req, res) => {
    void (async () => {
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
    counts,
    reset() {
      counts.ok = 0;
      counts.refused = 0;
      refused = undefined;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
