import { keyId } from '../../keys';
import type { TokenKey } from '../../types';

/** The channel every tab of `namespace` shares. */
export function channelName(namespace: string): string {
  return `tokenwarden:${namespace}`;
}

/**
 * A shared-mode Web Lock every open tab of `namespace` holds while its client lives: how a tab
 * tells, without a round trip, whether there are other tabs worth asking for a token.
 * (Key lock names continue with `{`, so they can never be this name.)
 */
export function presenceName(namespace: string): string {
  return `tokenwarden:${namespace}:presence`;
}

/**
 * The Web Lock whose holder refreshes `key` for every tab of `namespace`. Built on `keyId`, the
 * cache's own collision-free serialisation, so two keys never share a lock and one key never has two.
 */
export function lockName(namespace: string, key: TokenKey): string {
  return `tokenwarden:${namespace}:${keyId(key)}`;
}
