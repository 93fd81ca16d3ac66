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
export {
  clientCredentialsSource,
  clientSecretBasic,
  clientSecretPost,
  httpTokenSource,
  localStorageStore,
  memoryStore,
  none,
  oauth2RefreshSource,
  OAuthError,
  oauthErrorOf,
  privateKeyJwt,
} from './sources/index';
export type {
  AssertionAlgorithm,
  AssertionKey,
  AssertionOptions,
  AudienceParameter,
  ClientAuth,
  ClientAuthRequest,
  ClientCredentialsSourceOptions,
  EndpointOptions,
  HttpTokenSourceOptions,
  LocalStorageStoreOptions,
  OAuth2RefreshSourceOptions,
  PrivateJwk,
  RefreshTokenStore,
  WebLocksLike,
} from './sources/index';
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
