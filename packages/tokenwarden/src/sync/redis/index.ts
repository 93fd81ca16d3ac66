export {
  DEFAULT_LOCK_TTL,
  DEFAULT_REDIS_TIMEOUT,
  DEFAULT_REDIS_WAIT_TIMEOUT,
  DEFAULT_REFRESH_SPREAD,
  DEFAULT_RETRY_INTERVAL,
  redisCoordinator,
} from './redisCoordinator';
export type { RedisCoordinatorOptions } from './redisCoordinator';
export { RedisCoordinatorError } from './redisCoordinatorError';
export type { RedisArgument, RedisClient, RedisScriptCommands, RedisSubscriberConnection } from './redisClient';
export { redisRefreshTokenStore } from './redisRefreshTokenStore';
export type { RedisRefreshTokenStoreOptions } from './redisRefreshTokenStore';
export { nodeRedisClient } from './nodeRedisClient';
export type { NodeRedisLike } from './nodeRedisClient';
