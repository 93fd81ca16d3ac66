import { systemTimers } from '../../timers';
import type { Coordinator, TimerProvider } from '../../types';
import { BroadcastLink } from './broadcastLink';
import { type ChannelFactory, type ChannelLike, defaultChannelFactory } from './channel';
import { defaultLocksFactory, type LockManagerLike, type LocksFactory } from './locks';
import { channelName } from './names';

/** How long (ms) a tab that lost the race for a key's lock waits for the winner's token. */
export const DEFAULT_WAIT_TIMEOUT = 3_000;

/** How long (ms) a tab that just shared a token keeps the key's lock, so its message lands first. */
export const DEFAULT_HANDOVER_DELAY = 50;

/** How long (ms) a tab opened beside others waits for their token before its first fetch of a key. */
export const DEFAULT_ASK_TIMEOUT = 100;

/** Options of {@link broadcastCoordinator}; only `namespace` is required. */
export interface BroadcastCoordinatorOptions {
  /**
   * Which tabs share tokens: every client with the same namespace in the same origin. Channel
   * `tokenwarden:<namespace>`, locks `tokenwarden:<namespace>:<key>`. Use one per app (and per
   * token issuer); sessions are told apart by `sessionId`.
   */
  namespace: string;
  /**
   * The session this tab is signed in to; it is posted with every token this tab shares. When set,
   * a shared token is adopted only if it proves it belongs to this session: the sender's session
   * or the token's `sid` claim must name it, and neither may name another one (fail closed: a
   * token without `sid` from a tab with no session is refused, and this tab fetches its own).
   * Set it in every tab of the namespace, or tabs without it will not share with tabs that have it.
   * @default undefined: tokens are not checked against a session
   */
  sessionId?: string | (() => string | undefined);
  /**
   * Milliseconds a tab that finds another tab refreshing a key waits for its token before it
   * fetches on its own: a stuck leader never blocks the others for longer.
   * @default 3000
   */
  waitTimeout?: number;
  /**
   * Milliseconds a tab that just shared a token keeps the key's lock before handing it over.
   * @default 50
   */
  handoverDelay?: number;
  /**
   * Milliseconds a tab waits, before its first fetch of a key, for another open tab to answer with
   * the token it already holds (so a newly opened tab makes no request). Only when other tabs are
   * open (told by a shared Web Lock every tab holds); a lone tab never waits. 0 turns asking off.
   * @default 100
   */
  askTimeout?: number;
  /**
   * Opens the broadcast channel; return `undefined` to turn sharing off.
   * @default `new BroadcastChannel(name)` where available
   */
  channel?: ChannelFactory;
  /**
   * The lock manager; return `undefined` to let every tab fetch for itself.
   * @default `navigator.locks` where available
   */
  locks?: LocksFactory;
  /** @default the global setTimeout/clearTimeout, looked up lazily */
  timers?: TimerProvider;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`tokenwarden: ${name} must be a non-negative finite number`);
  }
  return value;
}

function attempt<T>(open: () => T | undefined): T | undefined {
  try {
    return open();
  } catch {
    return undefined;
  }
}

/**
 * Cross-tab coordination for browsers and workers: N tabs of an app make one token request per
 * key per refresh cycle, share the token over `BroadcastChannel`, elect the refresher with a Web
 * Lock per key (never waiting on it past `waitTimeout`, so a stuck or closed leader blocks no one),
 * and sign out together. Without `BroadcastChannel` or `navigator.locks` it quietly does less:
 * no sharing, or every tab fetching for itself — never an error.
 *
 * @example
 * const client = createTokenClient({
 *   fetchToken,
 *   coordinator: broadcastCoordinator({ namespace: 'my-app', sessionId: () => session?.id }),
 * });
 */
export function broadcastCoordinator(options: BroadcastCoordinatorOptions): Coordinator {
  if (typeof options?.namespace !== 'string' || options.namespace.length === 0) {
    throw new TypeError('tokenwarden: broadcastCoordinator needs a non-empty namespace');
  }
  const { namespace, sessionId } = options;
  const waitTimeout = nonNegative('waitTimeout', options.waitTimeout, DEFAULT_WAIT_TIMEOUT);
  const handoverDelay = nonNegative('handoverDelay', options.handoverDelay, DEFAULT_HANDOVER_DELAY);
  const askTimeout = nonNegative('askTimeout', options.askTimeout, DEFAULT_ASK_TIMEOUT);
  const openChannel = options.channel ?? defaultChannelFactory;
  const findLocks = options.locks ?? defaultLocksFactory;
  const timers = options.timers ?? systemTimers;
  return {
    connect(host) {
      const channel: ChannelLike | undefined = attempt(() => openChannel(channelName(namespace)));
      const locks: LockManagerLike | undefined = attempt(findLocks);
      return new BroadcastLink(host, {
        namespace,
        sessionId: typeof sessionId === 'function' ? sessionId : () => sessionId,
        waitTimeout,
        handoverDelay,
        askTimeout,
        timers,
        channel,
        locks,
      });
    },
  };
}
