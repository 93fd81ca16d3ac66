import type { Coordinator, CoordinatorHost, SharedToken, TokenKey } from '../../src/types';

/**
 * Until the engine takes `SharedToken` in `host.offer` (the record contract), an engine that only
 * takes a JWT string refuses the link's `{ token, expiresAt, issuedAt }`. This retries such a
 * refusal with the bare token, so the coordinator suites run on either engine. On an engine that
 * takes records the first offer decides and the retry never changes the outcome for a JWT (its
 * timing is in the token). Delete once the engine on main takes records.
 */
export function onAnyEngine(coordinator: Coordinator): Coordinator {
  return {
    connect(host: CoordinatorHost) {
      const offer = (key: TokenKey, token: string | SharedToken): boolean => {
        if (host.offer(key, token)) return true;
        return typeof token === 'object' && token !== null ? host.offer(key, token.token) : false;
      };
      const adapted = new Proxy(host, {
        get(target, property) {
          if (property === 'offer') return offer;
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
      return coordinator.connect(adapted);
    },
  };
}
