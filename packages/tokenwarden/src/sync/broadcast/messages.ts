import { isTokenKey, toKey } from '../../keys';
import type { TokenKey } from '../../types';

/** Bumped on any incompatible change, so tabs running two versions of the app ignore each other. */
export const MESSAGE_VERSION = 2;

/** Longer than any real JWT by far; refuses to decode megabytes posted by a hostile script. */
export const MAX_TOKEN_LENGTH = 64 * 1024;

/** Sign-out ids are short random strings; anything longer is not ours. */
const MAX_ID_LENGTH = 64;

/**
 * A session id is whatever the app passes as `sessionId` (some pass a whole session token), so it
 * gets the token's bound: a tighter one would silently stop tabs of a long-id session sharing.
 */
export const MAX_SESSION_LENGTH = MAX_TOKEN_LENGTH;

/**
 * "I fetched and accepted this token for this key." Carries the expiry beside the token (opaque
 * tokens have no claims), the sender's session when the app told it (`session`), and `signOut`:
 * the id of the last sign-out the sender had applied ('' for none), so a receiver can refuse a
 * token from before a sign-out it knows of and the sender did not yet.
 */
export interface TokenMessage {
  v: typeof MESSAGE_VERSION;
  namespace: string;
  type: 'token';
  key: TokenKey;
  token: string;
  expiresAt: number;
  issuedAt: number;
  session: string | undefined;
  signOut: string;
}

/**
 * "Signed out": every tab drops its tokens. `id` is random and only tells messages apart; no tab
 * orders sign-outs by a timestamp another tab wrote, so none can be stamped to be ignored.
 */
export interface SignedOutMessage {
  v: typeof MESSAGE_VERSION;
  namespace: string;
  type: 'signed-out';
  id: string;
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
}

export type BroadcastMessage = TokenMessage | SignedOutMessage | RequestMessage;

export function tokenMessage(
  namespace: string,
  key: TokenKey,
  shared: { token: string; expiresAt: number; issuedAt: number },
  session: string | undefined,
  signOut: string,
): TokenMessage {
  return { v: MESSAGE_VERSION, namespace, type: 'token', key: toKey(key), token: shared.token, expiresAt: shared.expiresAt, issuedAt: shared.issuedAt, session, signOut };
}

export function signedOutMessage(namespace: string, id: string): SignedOutMessage {
  return { v: MESSAGE_VERSION, namespace, type: 'signed-out', id };
}

export function requestMessage(namespace: string, key: TokenKey): RequestMessage {
  return { v: MESSAGE_VERSION, namespace, type: 'request', key: toKey(key) };
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_ID_LENGTH;
}

function isSession(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_SESSION_LENGTH;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Reads a message posted by another tab, or `undefined` when it is not one of ours: anything on
 * the channel may come from another version of the app, another library, or a hostile script in
 * the same origin. Checks the envelope only; whether the token may be adopted is `admitSharedToken`.
 */
export function readMessage(data: unknown, namespace: string): BroadcastMessage | undefined {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
  const message = data as Record<string, unknown>;
  if (message['v'] !== MESSAGE_VERSION || message['namespace'] !== namespace) return undefined;
  if (message['type'] === 'signed-out') return isId(message['id']) && message['id'] !== '' ? signedOutMessage(namespace, message['id']) : undefined;
  if (message['type'] === 'request') return isTokenKey(message['key']) ? requestMessage(namespace, message['key']) : undefined;
  if (message['type'] !== 'token') return undefined;
  const { key, token, expiresAt, issuedAt, session, signOut } = message;
  if (!isTokenKey(key) || typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
  if (!isTime(expiresAt) || !isTime(issuedAt) || !isId(signOut) || (session !== undefined && !isSession(session))) return undefined;
  return tokenMessage(namespace, key, { token, expiresAt, issuedAt }, session, signOut);
}
