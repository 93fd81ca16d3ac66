export { createTokenClient } from './client';
export type { TokenClient, TokenClientOptions, TokenClientSnapshot, TokenEntrySnapshot } from './client';
export { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from './errors';
export type { InvalidTokenReason, TokenErrorCode } from './errors';
export type { TokenEventListener } from './events';
export { authFetch, createAuthFetch } from './fetch';
export type { AuthFetch, AuthFetchClient, AuthFetchOptions } from './fetch';
export { decodeJwt } from './jwt';
export { createNetworkSource, defaultNetworkSource } from './network';
export { parseRetryAfter } from './retry';
export { defaultRefreshMargin } from './timing';
export { createWakeSource, defaultWakeSource } from './visibility';
export type {
  Clock,
  Coordinator,
  CoordinatorHost,
  CoordinatorLink,
  FetchToken,
  FetchTokenContext,
  FetchTokenResult,
  GetTokenOptions,
  NetworkSource,
  TimerHandle,
  TimerProvider,
  TokenClaims,
  TokenEvent,
  TokenEventType,
  TokenKey,
  WakeSource,
} from './types';
