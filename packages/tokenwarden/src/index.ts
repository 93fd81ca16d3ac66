export { createTokenClient } from './client';
export { broadcastCoordinator } from './sync/broadcast';
export type { BroadcastCoordinatorOptions } from './sync/broadcast';
export type { ChannelFactory, ChannelLike, ChannelMessage, LockManagerLike, LockRequestOptions, LocksFactory } from './sync/broadcast';
export type { TokenClient, TokenClientOptions, TokenClientSnapshot, TokenEntrySnapshot } from './client';
export { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from './errors';
export type { InvalidTokenReason, TokenErrorCode } from './errors';
export type { TokenEventListener } from './events';
export { authFetch, createAuthFetch } from './fetch';
export type { AuthFetch, AuthFetchClient, AuthFetchOptions } from './fetch';
export { decodeJwt } from './jwt';
export { createNetworkSource, defaultNetworkSource } from './network';
export { parseRetryAfter } from './retry';
export { httpTokenSource, memoryStore, oauth2RefreshSource } from './sources/index';
export type { HttpTokenSourceOptions, OAuth2RefreshSourceOptions, RefreshTokenStore } from './sources/index';
export { defaultRefreshMargin } from './timing';
export { createWakeSource, defaultWakeSource } from './visibility';
export type {
  AcquireContext,
  Clock,
  Coordinator,
  CoordinatorHost,
  CoordinatorLink,
  FetchReason,
  FetchToken,
  FetchTokenContext,
  FetchTokenResult,
  GetTokenOptions,
  NetworkSource,
  SharedToken,
  TimerHandle,
  TimerProvider,
  TokenClaims,
  TokenEvent,
  TokenEventType,
  TokenKey,
  TokenRecord,
  WakeSource,
} from './types';
