import { randomBytes } from 'node:crypto';

/** Unguessable identifiers. A prefix says what an id is when it shows up in a log or a token. */
export function randomId(prefix: string, bytes = 16): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}
