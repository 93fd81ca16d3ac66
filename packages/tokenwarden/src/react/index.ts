export { TokenProvider, useTokenClient } from './TokenProvider';
export type { TokenProviderProps } from './TokenProvider';
export type { TokenState, TokenStatus } from './tokenStore';
export { useGetToken } from './useGetToken';
export { useToken } from './useToken';
export type { UseTokenOptions } from './useToken';
