export { broadcastCoordinator, DEFAULT_WAIT_TIMEOUT } from './broadcastCoordinator';
export type { BroadcastCoordinatorOptions } from './broadcastCoordinator';
export type { ChannelFactory, ChannelLike, ChannelMessage } from './channel';
export type { LockManagerLike, LockRequestOptions, LocksFactory } from './locks';
