// What the documentation's samples take for granted: the reader's own app. A sample may use these
// names without defining them; everything from tokenwarden (and from any other library) it must
// import itself, as the app would. When a sample runs, test/docs/context.mjs provides the values:
// a real session on the devserver, a real API, and app functions that fail the run when a sample
// takes a path it should not (e.g. "signed out" while signed in).
import type { ComponentType, ReactNode } from 'react';
import type { FetchToken, RefreshTokenStore, TokenClient } from 'tokenwarden';

declare global {
  // The token side of the app.
  /** The app's token source: what `createTokenClient({ fetchToken })` is given. */
  const fetchToken: FetchToken;
  /** The app's client, created once (`createTokenClient({ fetchToken })`). */
  const client: TokenClient;
  /** The signed-in session (a Clerk-style session id) and its user. */
  const sessionId: string;
  const session: Session | null;
  interface Session {
    id: string;
    userId: string;
  }
  /** OAuth 2.0 settings of an app using `oauth2RefreshSource`. */
  const clientId: string;
  const refreshToken: string;
  const initialRefreshToken: string;
  const tokenEndpoint: string;
  const issuer: string;
  function localStorageStore(key: string): RefreshTokenStore;
  /** A confidential client's secret, and the refresh-token store an app chose. */
  const secret: string;
  const store: RefreshTokenStore;
  /** A private key for `privateKeyJwt`. */
  const key: CryptoKey;
  /** The app's Redis connection (ioredis). */
  const redis: import('ioredis').Redis;
  /** Pages someone: configuration went wrong. */
  function alertOps(message: string): void;
  /** A server app acting for one tenant. */
  const tenantId: string;
  /** Where the app's own API lives (`'/api'` in a browser app served with it). */
  const apiUrl: string;

  // The app's data and what it does with it.
  interface Project {
    id: string;
    name: string;
  }
  interface Draft {
    title: string;
    text: string;
  }
  const project: Project;
  const note: Draft;
  function render(data: unknown): void;
  function save(draft: Draft, token: string): Promise<void>;
  function saveForLater(body: BodyInit): void;
  function makeClient(session: Session): TokenClient;
  function report(error: unknown): void;
  function reportMisconfiguredIssuer(reason: string): void;
  function scheduleRetry(delayMs: number): void;
  const metrics: { increment(name: string, tags?: Record<string, string>): void };
  function callApi(token: string): Promise<unknown>;
  const router: { push(path: string): void };

  // What the app shows.
  function redirectToSignIn(): void;
  function signIn(): void;
  function showSignIn(): void;
  function showOfflineBanner(): void;
  const App: ComponentType<{ onSignOut?: () => void }>;
  const Spinner: ComponentType;
  const SignIn: ComponentType<{ onSignedIn?: (session: Session) => void }>;
  const OfflineBanner: ComponentType<{ onRetry?: () => void }>;
  const ErrorPanel: ComponentType<{ error: unknown; onRetry?: () => void }>;
  const ProjectList: ComponentType<{ token?: string; projects?: Project[] }>;
  const ProfileView: ComponentType<{ token: string }>;
  /** The page's root element, for `createRoot(root)`. */
  const root: HTMLElement;

  /** The previous token helper an app migrates from (docs/migration.md). */
  const auth: { getToken(): Promise<string | null> };
}

export type { ReactNode };
