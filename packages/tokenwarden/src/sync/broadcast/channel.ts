/** What a message listener receives: the structured-clone copy of what another tab posted. */
export interface ChannelMessage {
  data: unknown;
}

/**
 * The part of `BroadcastChannel` the coordinator uses. Anything with these methods works: the
 * browser's (and workers', and Node's) `BroadcastChannel`, or an in-memory fake in tests.
 */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: ChannelMessage) => void): void;
  removeEventListener(type: 'message', listener: (event: ChannelMessage) => void): void;
  close(): void;
}

/** Opens the channel called `name`, or returns `undefined` where there is none (sharing is then off). */
export type ChannelFactory = (name: string) => ChannelLike | undefined;

/**
 * `new BroadcastChannel(name)` where the runtime has it (looked up at call time, so a stubbed
 * global in tests is honoured); `undefined` in older browsers and runtimes without it, or where
 * constructing one throws (some sandboxed or opaque-origin contexts).
 */
export const defaultChannelFactory: ChannelFactory = (name) => {
  if (typeof BroadcastChannel !== 'function') return undefined;
  try {
    // Typed as the DOM's BroadcastChannel, so the compiler checks it fits ChannelLike.
    return new BroadcastChannel(name);
  } catch {
    return undefined;
  }
};
