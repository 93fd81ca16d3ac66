import { vi } from 'vitest';
import type { Coordinator, CoordinatorHost, FetchTokenContext, FetchTokenResult, NetworkSource } from '../src/types';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An unsigned-looking JWT: the engine never verifies signatures, only reads claims. */
export function makeJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'ES256', typ: 'JWT' })}.${base64url(claims)}.c2lnbmF0dXJl`;
}

/** A token minted "now" (by the fake clock) with the given lifetime in seconds. */
export function freshJwt(ttl: number, extra: Record<string, unknown> = {}, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  return makeJwt({ sub: 'user_1', sid: 'sess_1', iat, exp: iat + ttl, ...extra });
}

/** A controllable network source that counts its subscribers. */
export function fakeNetwork(initial = true): NetworkSource & { set(online: boolean): void; readonly subscribers: number } {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    observable: true,
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      if (next === online) return;
      online = next;
      for (const listener of [...listeners]) listener(next);
    },
    get subscribers() {
      return listeners.size;
    },
  };
}

export const noWake = { subscribe: () => () => undefined };

/** A fetchToken that mints tokens on the fake clock and records every call. */
export function mintingSource(ttl = 60, options: { serverOffsetMs?: number; withServerTime?: boolean } = {}) {
  const calls: FetchTokenContext[] = [];
  let counter = 0;
  const fetchToken = vi.fn(async (ctx: FetchTokenContext): Promise<FetchTokenResult> => {
    calls.push(ctx);
    const serverNow = Date.now() + (options.serverOffsetMs ?? 0);
    const token = freshJwt(ttl, { n: ++counter, tpl: ctx.template ?? null, org: ctx.organizationId ?? null }, serverNow);
    return options.withServerTime ? { token, serverTime: serverNow } : token;
  });
  return { fetchToken, calls };
}

/** Reads the `n` claim our minting source puts in every token. */
export function serial(token: string | null): number {
  if (token === null) throw new Error('expected a token, got null');
  const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { n: number };
  return payload.n;
}

export const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** A coordinator that hands its host to the test, to deliver tokens "from elsewhere". */
export function capturingCoordinator() {
  let host!: CoordinatorHost;
  const coordinator: Coordinator = {
    connect(h) {
      host = h;
      return { acquire: async () => () => undefined, publish: () => undefined, invalidate: () => undefined, close: () => undefined };
    },
  };
  return { coordinator, host: () => host };
}
