/**
 * The devserver endpoints the page uses besides the token endpoint (which `httpTokenSource`
 * calls): dev sign-in and sign-out, and the loopback-only control API for faults, revocation and
 * request counters. Same origin as the page, so the session cookie rides along.
 */

/** The devserver's fault switches (see packages/devserver/src/faults.ts). */
export interface ServerFaults {
  latencyMs: number;
  errorRate: number;
  errorStatus: number;
  rateLimitRate: number;
  retryAfterSeconds: number | null;
  dropRate: number;
  hang: boolean;
  clockOffsetMs: number;
  failNext: number;
}

export interface ServerStats {
  total: number;
  bySession: Record<string, number>;
  byTemplate: Record<string, number>;
}

export interface DevserverApi {
  signIn(userId: string): Promise<{ sessionId: string; userId: string }>;
  endSession(sessionId: string): Promise<void>;
  revokeSession(sessionId: string): Promise<void>;
  faults(): Promise<ServerFaults>;
  setFaults(patch: Partial<ServerFaults>): Promise<ServerFaults>;
  resetFaults(): Promise<ServerFaults>;
  stats(): Promise<ServerStats>;
}

/** A devserver answer that was not 2xx; carries the status and the server's error code only. */
export class DevserverError extends Error {
  readonly status: number;

  constructor(what: string, status: number, code: string | undefined, message = `${what} answered ${status}${code ? ` (${code})` : ''}`) {
    super(message);
    this.name = 'DevserverError';
    this.status = status;
  }

  /** A call the page did not make: the browser is offline (status 0). */
  static notSent(what: string): DevserverError {
    return new DevserverError(what, 0, undefined, `${what} not sent: the browser is offline`);
  }
}

/**
 * `isOnline` says whether the browser has a network: without one a call is not attempted at all,
 * since it could only fail (and Chromium logs every failed request as a console error).
 */
export function createDevserverApi(
  baseUrl = '',
  fetchImpl: typeof globalThis.fetch = (...args) => globalThis.fetch(...args),
  isOnline: () => boolean = () => true,
): DevserverApi {
  const call = async <T>(what: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    if (!isOnline()) throw DevserverError.notSent(what);
    const init: RequestInit = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    }
    const response = await fetchImpl(`${baseUrl}${path}`, init);
    const json = (await response.json().catch(() => undefined)) as unknown;
    if (!response.ok) {
      const code = (json as { error?: unknown } | undefined)?.error;
      throw new DevserverError(what, response.status, typeof code === 'string' ? code : undefined);
    }
    return json as T;
  };
  return {
    async signIn(userId) {
      const json = await call<{ session_id: string; user_id: string }>('sign-in', 'POST', '/v1/client/sign_in', { user_id: userId });
      return { sessionId: json.session_id, userId: json.user_id };
    },
    async endSession(sessionId) {
      await call('sign-out', 'POST', `/v1/client/sessions/${encodeURIComponent(sessionId)}/end`);
    },
    async revokeSession(sessionId) {
      await call('revoke', 'POST', `/__control/sessions/${encodeURIComponent(sessionId)}/revoke`);
    },
    faults: () => call<ServerFaults>('faults', 'GET', '/__control/faults'),
    setFaults: (patch) => call<ServerFaults>('faults', 'POST', '/__control/faults', patch),
    async resetFaults() {
      // Not /__control/reset: that would zero the request counters the page is showing.
      return call<ServerFaults>('faults', 'POST', '/__control/faults', {
        latencyMs: 0,
        errorRate: 0,
        rateLimitRate: 0,
        dropRate: 0,
        hang: false,
        clockOffsetMs: 0,
        failNext: 0,
      });
    },
    stats: () => call<ServerStats>('stats', 'GET', '/__control/stats'),
  };
}
