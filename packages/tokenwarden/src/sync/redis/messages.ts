import { isTokenKey, toKey } from '../../keys';
import type { TokenKey } from '../../types';

/**
 * A token as instances hand it to each other: the token and its timing (server-clock ms), so an
 * opaque token can be shared too. The receiver re-checks all of it (see `sharedToken.ts`).
 */
export interface SharedRecord {
  token: string;
  expiresAt?: number | undefined;
  issuedAt?: number | undefined;
}

/**
 * What instances tell each other on the namespace channel. A token message carries the key, the
 * token with its timing, and the epoch it was stored under — nothing else about the session or the
 * user.
 */
export type RedisMessage =
  | { type: 'token'; epoch: number; key: TokenKey; shared: SharedRecord }
  | { type: 'unlock'; key: TokenKey }
  | { type: 'epoch'; epoch: number; from: string };

/** Version of the token message: 2 carries `token`, `expiresAt`, `issuedAt`; 1 (no `v`) carried `jwt` only. */
export const MESSAGE_VERSION = 2;

export function tokenMessage(epoch: number, key: TokenKey, shared: SharedRecord): string {
  return JSON.stringify({
    v: MESSAGE_VERSION,
    type: 'token',
    epoch,
    key,
    token: shared.token,
    expiresAt: shared.expiresAt,
    issuedAt: shared.issuedAt,
  });
}

export function unlockMessage(key: TokenKey): string {
  return JSON.stringify({ type: 'unlock', key });
}

function isEpoch(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A time in ms, or undefined when absent or not a plausible number (the receiver then relies on the token itself). */
export function readTime(value: unknown): number | undefined {
  const time = typeof value === 'string' && value !== '' ? Number(value) : value;
  return typeof time === 'number' && Number.isFinite(time) && time > 0 ? time : undefined;
}

/**
 * Parses and checks a channel message; anything malformed or unknown is ignored (undefined).
 * Tolerates the version-1 token message (`jwt`, no timing) that instances of an older release
 * still send during a rolling upgrade.
 */
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
    case 'token': {
      const token = typeof message.token === 'string' ? message.token : message.jwt;
      if (!isEpoch(message.epoch) || !isTokenKey(message.key) || typeof token !== 'string' || token === '') return undefined;
      return {
        type: 'token',
        epoch: message.epoch,
        key: toKey(message.key),
        shared: { token, expiresAt: readTime(message.expiresAt), issuedAt: readTime(message.issuedAt) },
      };
    }
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
