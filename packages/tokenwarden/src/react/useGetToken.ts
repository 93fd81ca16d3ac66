import { useCallback } from 'react';
import type { GetTokenOptions } from '../types';
import { useTokenClient } from './TokenProvider';

/**
 * `getToken` of the nearest `<TokenProvider>`'s client, as a function that keeps its identity
 * across renders (it changes only with the client), so it can sit in effect and callback
 * dependencies. Calling it never re-renders anything.
 *
 * @example
 * function SaveButton({ draft }: { draft: Draft }) {
 *   const getToken = useGetToken();
 *   const save = async () => {
 *     const token = await getToken({ template: 'api' });
 *     if (token === null) return signIn();
 *     await fetch('/api/drafts', { method: 'POST', body: JSON.stringify(draft), headers: { Authorization: `Bearer ${token}` } });
 *   };
 *   return <button onClick={save}>Save</button>;
 * }
 */
export function useGetToken(): (options?: GetTokenOptions) => Promise<string | null> {
  const client = useTokenClient();
  return useCallback((options?: GetTokenOptions) => client.getToken(options), [client]);
}
