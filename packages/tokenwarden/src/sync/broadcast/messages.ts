import { isTokenKey, toKey } from '../../keys';
import type { TokenKey } from '../../types';

/** Bumped on any incompatible change, so tabs running two versions of the app ignore each other. */
export const MESSAGE_VERSION = 1;

/** Longer than any real JWT by far; refuses to decode megabytes posted by a hostile script. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/**
 * "I fetched and accepted this token for this key." `epoch` is the last sign-out the sender had
 * applied (server-clock ms, 0 for none), so receivers can refuse a token from before a sign-out
 * they know of and the sender did not yet.
 */
export interface TokenMessage {
  v: typeof MESSAGE_VERSION;
  namespace: string;
  type: 'token';
  key: TokenKey;
  token: string;
  epoch: number;
}

/** "Signed out at `epoch`" (server-clock ms): every tab drops its tokens. */
export interface SignedOutMessage {
  v: typeof MESSAGE_VERSION;
  namespace: string;
  type: 'signed-out';
  epoch: number;
}

/**
 * "I have no token for this key yet; whoever serves one, post it." Sent by a tab before its first
 * fetch of a key, only when other tabs are open; answered with ordinary token messages.
 */
export interface RequestMessage {
  v: typeof MESSAGE_VERSION;
  namespace: string;
  type: 'request';
  key: TokenKey;
  epoch: number;
}

export type BroadcastMessage = TokenMessage | SignedOutMessage | RequestMessage;

export function tokenMessage(namespace: string, key: TokenKey, token: string, epoch: number): TokenMessage {
  return { v: MESSAGE_VERSION, namespace, type: 'token', key: toKey(key), token, epoch };
}

export function signedOutMessage(namespace: string, epoch: number): SignedOutMessage {
  return { v: MESSAGE_VERSION, namespace, type: 'signed-out', epoch };
}

export function requestMessage(namespace: string, key: TokenKey, epoch: number): RequestMessage {
  return { v: MESSAGE_VERSION, namespace, type: 'request', key: toKey(key), epoch };
}

function isEpoch(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * Reads a message posted by another tab, or `undefined` when it is not one of ours: anything on
 * the channel may come from another version of the app, another library, or a hostile script in
 * the same origin. Checks the envelope only; whether the token may be adopted is `admitSharedToken`.
 */
export function readMessage(data: unknown, namespace: string): BroadcastMessage | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const message = data as Record<string, unknown>;
  if (message['v'] !== MESSAGE_VERSION || message['namespace'] !== namespace || !isEpoch(message['epoch'])) return undefined;
  if (message['type'] === 'signed-out') return signedOutMessage(namespace, message['epoch']);
  if (message['type'] === 'request') return isTokenKey(message['key']) ? requestMessage(namespace, message['key'], message['epoch']) : undefined;
  if (message['type'] !== 'token') return undefined;
  const { key, token } = message;
  if (!isTokenKey(key) || typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  return tokenMessage(namespace, key, token, message['epoch']);
}
