import { useMemo, useSyncExternalStore } from 'react';
import { keyId, toKey } from '../keys';
import type { TokenKey } from '../types';
import { useTokenClient } from './TokenProvider';
import { type TokenState, TokenStore } from './tokenStore';

/** Which token `useToken` follows. Omitted fields mean the source's default. @default {} */
export type UseTokenOptions = TokenKey;

/**
 * Follows one token of the nearest `<TokenProvider>`'s client and re-renders only when the token,
 * the status or the error changes. Mounting fetches a token when none is cached (once per key,
 * shared with every other caller); while mounted the key keeps refreshing ahead of expiry.
 * Server rendering yields `{ token: null, status: 'loading' }` and never fetches.
 *
 * @param options - Which token (`template`, `organizationId`, `audience`). A new object with the
 *   same fields is the same key: passing an inline literal is fine.
 * @example
 * function Profile() {
 *   const state = useToken({ template: 'api' });
 *   if (state.status === 'loading') return <Spinner />;
 *   if (state.status === 'signed-out') return <SignIn />;
 *   if (state.status === 'offline') return <p>Offline. <button onClick={state.refresh}>Retry</button></p>;
 *   if (state.status === 'error') return <p>Could not sign you in: {state.error?.message}</p>;
 *   return <ProfileView token={state.token} />; // status is 'ready': token is a string
 * }
 */
export function useToken(options?: UseTokenOptions): TokenState {
  const client = useTokenClient();
  const key = toKey(options ?? {});
  const id = keyId(key);
  // One store per client and key; `key` is a fresh object each render, `id` is its identity.
  const store = useMemo(() => new TokenStore(client, key), [client, id]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);
}
