import type { NetworkSource } from './types';

type Listener = (online: boolean) => void;

/**
 * A network source fed by a platform hook, in the shape of TanStack's `onlineManager`:
 * `setup(setOnline)` installs the platform listener on the first subscriber and returns its
 * cleanup, which runs when the last one leaves. Listeners hear only real changes.
 *
 * @example React Native
 * import NetInfo from '@react-native-community/netinfo';
 * const network = createNetworkSource((setOnline) =>
 *   NetInfo.addEventListener((state) => setOnline(state.isConnected !== false)));
 */
export function createNetworkSource(
  setup: (setOnline: (online: boolean) => void) => (() => void) | void,
  options: { initial?: boolean; observable?: boolean } = {},
): NetworkSource {
  let online = options.initial ?? true;
  const listeners = new Set<Listener>();
  let cleanup: (() => void) | void;
  const setOnline = (next: boolean) => {
    if (next === online) return;
    online = next;
    for (const listener of [...listeners]) listener(online);
  };
  return {
    observable: options.observable ?? true,
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1) cleanup = setup(setOnline);
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        const done = cleanup;
        cleanup = undefined;
        done?.();
      };
    },
  };
}

export interface EventTargetLike {
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
}

function browserGlobals(): { target: EventTargetLike; navigator: { onLine: boolean } } | undefined {
  const g = globalThis as { navigator?: { onLine?: unknown }; addEventListener?: unknown; removeEventListener?: unknown };
  if (typeof g.navigator?.onLine !== 'boolean' || typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') {
    return undefined;
  }
  return { target: g as unknown as EventTargetLike, navigator: g.navigator as { onLine: boolean } };
}

/**
 * The default source: `navigator.onLine` plus `online`/`offline` events where they exist; elsewhere
 * (Node, React Native without NetInfo) always online and marked unobservable, so the client learns
 * from failures instead.
 *
 * @example
 * // What createTokenClient uses when `network` is not given; useful to wrap or to read directly.
 * const network = defaultNetworkSource();
 * network.subscribe((online) => console.log(online ? 'online' : 'offline'));
 */
export function defaultNetworkSource(): NetworkSource {
  const browser = browserGlobals();
  if (!browser) return createNetworkSource(() => undefined, { observable: false });
  const { target, navigator } = browser;
  const source = createNetworkSource(
    (setOnline) => {
      const onOnline = () => setOnline(true);
      const onOffline = () => setOnline(false);
      target.addEventListener('online', onOnline);
      target.addEventListener('offline', onOffline);
      setOnline(navigator.onLine);
      return () => {
        target.removeEventListener('online', onOnline);
        target.removeEventListener('offline', onOffline);
      };
    },
    { initial: navigator.onLine },
  );
  // Read the live flag rather than the last event, so a check before any subscriber is still right.
  return { ...source, observable: true, isOnline: () => navigator.onLine };
}
