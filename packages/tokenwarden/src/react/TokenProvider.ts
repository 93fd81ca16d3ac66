import { createContext, createElement, type ReactNode, useContext } from 'react';
import type { TokenClient } from '../client';

/** `null` outside a provider, so a missing provider is reported instead of silently misbehaving. */
const TokenClientContext = createContext<TokenClient | null>(null);
TokenClientContext.displayName = 'TokenClientContext';

/** Props of {@link TokenProvider}. */
export interface TokenProviderProps {
  /** The client every hook below reads from; create it once, outside render. */
  client: TokenClient;
  children?: ReactNode;
}

/**
 * Makes a token client available to `useToken`, `useGetToken` and `useTokenClient` below it.
 * Several providers may be nested (for example one per session); hooks read the nearest.
 *
 * @example
 * const client = createTokenClient({ fetchToken });
 * createRoot(root).render(
 *   <TokenProvider client={client}>
 *     <App />
 *   </TokenProvider>,
 * );
 */
export function TokenProvider({ client, children }: TokenProviderProps): ReactNode {
  // `.Provider` rather than React 19's `<Context>` so the peer range can stay at React 18.
  return createElement(TokenClientContext.Provider, { value: client }, children);
}

/**
 * The client of the nearest `<TokenProvider>`. Throws when there is none.
 *
 * @example
 * function SignOutButton() {
 *   const client = useTokenClient();
 *   return <button onClick={() => client.clear()}>Sign out</button>;
 * }
 */
export function useTokenClient(): TokenClient {
  const client = useContext(TokenClientContext);
  if (client === null) {
    throw new Error('tokenwarden/react: no token client here; wrap the tree in <TokenProvider client={client}>');
  }
  return client;
}
