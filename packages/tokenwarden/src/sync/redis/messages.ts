import { isTokenKey, toKey } from '../../keys';
import type { TokenKey } from '../../types';

/**
 * What instances tell each other on the namespace channel. A token message carries the key and the
 * JWT (and the epoch it was stored under) — nothing else about the session or the user.
 */
export type RedisMessage =
  | { type: 'token'; epoch: number; key: TokenKey; jwt: string }
  | { type: 'unlock'; key: TokenKey }
  | { type: 'epoch'; epoch: number; from: string };

export function tokenMessage(epoch: number, key: TokenKey, jwt: string): string {
  return JSON.stringify({ type: 'token', epoch, key, jwt });
}

export function unlockMessage(key: TokenKey): string {
  return JSON.stringify({ type: 'unlock', key });
}

function isEpoch(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Parses and checks a channel message; anything malformed or unknown is ignored (undefined). */
export function readMessage(raw: unknown): RedisMessage | undefined {
  if (typeof raw !== 'string') return undefined;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const message = data as Record<string, unknown>;
  switch (message.type) {
    case 'token':
      if (!isEpoch(message.epoch) || !isTokenKey(message.key) || typeof message.jwt !== 'string') return undefined;
      return { type: 'token', epoch: message.epoch, key: toKey(message.key), jwt: message.jwt };
    case 'unlock':
      if (!isTokenKey(message.key)) return undefined;
      return { type: 'unlock', key: toKey(message.key) };
    case 'epoch':
      if (!isEpoch(message.epoch) || typeof message.from !== 'string') return undefined;
      return { type: 'epoch', epoch: message.epoch, from: message.from };
    default:
      return undefined;
  }
}
