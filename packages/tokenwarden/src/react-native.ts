/**
 * React Native plumbing: NetInfo and AppState as tokenwarden's network and wake-up sources. The
 * modules are passed in rather than imported, so tokenwarden has no dependency on React Native and
 * any object of the same shape (a test double, a wrapper) works.
 *
 * @module
 */
import { createNetworkSource } from './network';
import type { NetworkSource, WakeSource } from './types';
import { createWakeSource } from './visibility';

/** The fields of NetInfo's `NetInfoState` that tokenwarden reads; `null` means "not known yet". */
export interface NetInfoStateLike {
  isConnected: boolean | null;
  isInternetReachable?: boolean | null | undefined;
}

/** The part of `@react-native-community/netinfo`'s default export that tokenwarden uses. */
export interface NetInfoLike {
  /** Calls `listener` with the current state soon after subscribing, then on every change. */
  addEventListener(listener: (state: NetInfoStateLike) => void): () => void;
}

/** Offline only when NetInfo says so: an unknown (`null`) reachability stays optimistic. */
function isOnline(state: NetInfoStateLike): boolean {
  return state.isConnected !== false && state.isInternetReachable !== false;
}

/**
 * A network source fed by NetInfo. Offline means NetInfo reports no connection, or a connection
 * without internet (`isInternetReachable === false`); states NetInfo has not determined yet count as
 * online, so the client tries and learns from the result. The NetInfo listener is installed when the
 * client is created and removed by `client.destroy()`.
 *
 * @example
 * import NetInfo from '@react-native-community/netinfo';
 * import { AppState } from 'react-native';
 * import { createTokenClient } from 'tokenwarden';
 * import { appStateWakeSource, netInfoNetworkSource } from 'tokenwarden/react-native';
 *
 * const client = createTokenClient({
 *   fetchToken,
 *   network: netInfoNetworkSource(NetInfo),
 *   wake: appStateWakeSource(AppState),
 * });
 */
export function netInfoNetworkSource(netInfo: NetInfoLike): NetworkSource {
  return createNetworkSource((setOnline) => netInfo.addEventListener((state) => setOnline(isOnline(state))), {
    initial: true,
    observable: true,
  });
}

/** The part of React Native's `AppState` that tokenwarden uses (both the >= 0.65 and older APIs). */
export interface AppStateLike {
  /** `'active'`, `'background'`, `'inactive'`, … */
  currentState?: string | null | undefined;
  /** React Native >= 0.65 returns a subscription; older versions return nothing. */
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void } | void;
  /** React Native < 0.65 only. */
  removeEventListener?(type: 'change', listener: (state: string) => void): void;
}

/**
 * A wake-up source fed by AppState: each return to the foreground (`'active'`) makes the client run
 * refreshes that were due while the app was suspended and its timers were not running.
 *
 * @example
 * import { AppState } from 'react-native';
 * const client = createTokenClient({ fetchToken, wake: appStateWakeSource(AppState) });
 */
export function appStateWakeSource(appState: AppStateLike): WakeSource {
  return createWakeSource((wake) => {
    let previous = appState.currentState;
    const onChange = (state: string) => {
      // Android can report 'active' again without leaving it; only a real return is a wake-up.
      if (state === 'active' && previous !== 'active') wake();
      previous = state;
    };
    const subscription = appState.addEventListener('change', onChange);
    return () => {
      if (subscription && typeof subscription.remove === 'function') subscription.remove();
      else appState.removeEventListener?.('change', onChange);
    };
  });
}
