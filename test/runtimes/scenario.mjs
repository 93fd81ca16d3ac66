// The smoke scenario every runtime runs, with the packed tokenwarden (`tw`) and a real session on
// the devserver. Plain JavaScript and web APIs only (fetch, AbortSignal, setTimeout), so the same
// file runs in Deno, Bun and workerd. Returns what it observed; the test asserts on it.
export async function smoke(tw, { baseUrl, sessionId, cookie, closedUrl }) {
  let requests = 0;
  // An app's own fetchToken against the devserver's session endpoint (cookie passed explicitly:
  // server runtimes have no cookie jar).
  const fetchToken = async ({ signal }) => {
    requests += 1;
    const res = await fetch(`${baseUrl}/v1/client/sessions/${sessionId}/tokens`, { method: 'POST', headers: { cookie }, signal });
    if (res.status === 401) return null;
    if (!res.ok) throw Object.assign(new Error(`token endpoint answered ${res.status}`), { status: res.status, headers: res.headers });
    const body = await res.json();
    return { token: body.jwt, serverTime: Date.parse(res.headers.get('date') ?? '') };
  };
  const observed = {};

  const client = tw.createTokenClient({ fetchToken });
  // Single-flight: 20 concurrent cold calls share one request.
  const tokens = await Promise.all(Array.from({ length: 20 }, () => client.getToken()));
  observed.concurrentCallsRequests = requests;
  observed.concurrentCallsSameToken = tokens.every((token) => token === tokens[0]);
  // fetch: a real ES256 JWT of this session.
  observed.tokenIsSessionJwt = typeof tokens[0] === 'string' && tw.decodeJwt(tokens[0]).sid === sessionId;
  // Cache hit: the next call is answered without a request.
  const cached = await client.getToken();
  observed.cacheHitSameToken = cached === tokens[0];
  observed.requestsAfterCacheHit = requests;

  // OfflineError: the network is known to be down and nothing is cached: rejected, no request.
  const offline = tw.createTokenClient({ fetchToken, network: tw.createNetworkSource(() => {}, { initial: false }) });
  const before = requests;
  try {
    await offline.getToken();
    observed.offline = 'resolved';
  } catch (error) {
    observed.offline = tw.OfflineError.is(error) ? 'OfflineError' : String(error);
  }
  observed.offlineRequests = requests - before;

  // A token server nobody listens on (a refused connection): after a short retry budget the
  // caller gets OfflineError, not whatever the runtime's fetch rejected with.
  const unreachable = tw.createTokenClient({
    fetchToken: async ({ signal }) => (await fetch(`${closedUrl}/token`, { method: 'POST', signal })).text(),
    foregroundRetryBudget: 300,
  });
  try {
    await unreachable.getToken();
    observed.unreachable = 'resolved';
  } catch (error) {
    observed.unreachable = tw.OfflineError.is(error) ? 'OfflineError' : `${error?.name}: ${error?.message}`;
  }
  unreachable.destroy();

  // destroy(): later calls reject with code `destroyed`, and nothing is left running (the runtime
  // exits on its own after this function returns: the test checks it).
  client.destroy();
  offline.destroy();
  try {
    await client.getToken();
    observed.afterDestroy = 'resolved';
  } catch (error) {
    observed.afterDestroy = tw.TokenError.is(error) ? error.code : String(error);
  }
  return observed;
}
