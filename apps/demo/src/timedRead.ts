import type { GetTokenOptions, TokenClient, TokenKey } from 'tokenwarden';

/**
 * How one `getToken()` call went. The token itself is deliberately not part of it: nothing the
 * page renders ever holds a raw token.
 */
export type ReadResult =
  | { outcome: 'token'; cacheHit: boolean; ms: number }
  | { outcome: 'signed-out'; ms: number }
  | { outcome: 'error'; error: unknown; ms: number };

export type TokenReader = Pick<TokenClient, 'getToken' | 'peekToken'>;

/**
 * Calls `getToken(key)` and times it with a monotonic clock. A cache hit is a call answered from
 * the cache: a servable token was there when it started (the engine's own `peekToken`), so the
 * answer did not wait on the network, even if it set off a background refresh.
 */
export async function timedRead(
  client: TokenReader,
  key: TokenKey,
  options: { skipCache?: boolean; now?: () => number } = {},
): Promise<ReadResult> {
  const now = options.now ?? (() => performance.now());
  const request: GetTokenOptions = options.skipCache ? { ...key, skipCache: true } : key;
  const cached = !options.skipCache && client.peekToken(key) !== null;
  const startedAt = now();
  try {
    const token = await client.getToken(request);
    const ms = now() - startedAt;
    return token === null ? { outcome: 'signed-out', ms } : { outcome: 'token', cacheHit: cached, ms };
  } catch (error) {
    return { outcome: 'error', error, ms: now() - startedAt };
  }
}
