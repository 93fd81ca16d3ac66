import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, mintingSource, serial } from '../test/helpers';
import { createTokenClient } from './client';
import { OfflineError } from './errors';
import { appStateWakeSource, type NetInfoStateLike, netInfoNetworkSource } from './react-native';
import type { TokenEvent } from './types';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * Stands in for `@react-native-community/netinfo`: like the real module, a new listener hears
 * the current state shortly after subscribing, then every change.
 */
function fakeNetInfo(initial: NetInfoStateLike) {
  let state = initial;
  const listeners = new Set<(state: NetInfoStateLike) => void>();
  return {
    addEventListener(listener: (state: NetInfoStateLike) => void) {
      listeners.add(listener);
      queueMicrotask(() => listeners.has(listener) && listener(state));
      return () => {
        listeners.delete(listener);
      };
    },
    change(next: Partial<NetInfoStateLike>) {
      state = { ...state, ...next };
      for (const listener of [...listeners]) listener(state);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

/** Stands in for React Native's `AppState` (>= 0.65: addEventListener returns a subscription). */
function fakeAppState(currentState = 'active') {
  const listeners = new Set<(state: string) => void>();
  return {
    currentState,
    addEventListener(_type: 'change', listener: (state: string) => void) {
      listeners.add(listener);
      return { remove: () => listeners.delete(listener) };
    },
    change(next: string) {
      this.currentState = next;
      for (const listener of [...listeners]) listener(next);
    },
    get listeners() {
      return listeners.size;
    },
  };
}

const connected: NetInfoStateLike = { isConnected: true, isInternetReachable: true };

function setup(netInfo = fakeNetInfo(connected), appState = fakeAppState()) {
  const source = mintingSource(60);
  const events: TokenEvent[] = [];
  const client = createTokenClient({
    fetchToken: source.fetchToken,
    network: netInfoNetworkSource(netInfo),
    wake: appStateWakeSource(appState),
    clock: { now: () => Date.now() },
    random: () => 0.5,
  });
  client.subscribe((event) => events.push(event));
  return { client, source, netInfo, appState, events };
}

describe('netInfoNetworkSource', () => {
  it('reads NetInfo: getToken rejects with OfflineError at once, without a request, when disconnected', async () => {
    const { client, source } = setup(fakeNetInfo({ isConnected: false, isInternetReachable: false }));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.isOnline()).toBe(false);
    await expect(client.getToken()).rejects.toSatisfy(OfflineError.is);
    expect(source.fetchToken).not.toHaveBeenCalled();
  });

  it('counts "connected but no internet" as offline and "not known yet" (null) as online', async () => {
    const { client, netInfo } = setup();
    await vi.advanceTimersByTimeAsync(0);
    netInfo.change({ isConnected: true, isInternetReachable: false });
    expect(client.isOnline()).toBe(false);
    netInfo.change({ isConnected: true, isInternetReachable: null });
    expect(client.isOnline()).toBe(true);
    netInfo.change({ isConnected: null, isInternetReachable: null });
    expect(client.isOnline()).toBe(true);
  });

  it('refetches a token the moment NetInfo reports the connection back', async () => {
    const { client, source, netInfo, events } = setup();
    await vi.advanceTimersByTimeAsync(0);
    await client.getToken();
    netInfo.change({ isConnected: false });
    // Offline through the refresh point (43 s) and past the token's cutoff (55 s).
    await vi.advanceTimersByTimeAsync(56_000);
    expect(client.peekToken()).toBeNull();
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    netInfo.change({ isConnected: true });
    await vi.advanceTimersByTimeAsync(0);
    expect(events.filter((event) => event.type === 'online')).toHaveLength(1);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
    expect(serial(client.peekToken())).toBe(2);
  });

  it('stops listening to NetInfo when the client is destroyed', async () => {
    const { client, netInfo } = setup();
    expect(netInfo.listeners).toBe(1);
    client.destroy();
    expect(netInfo.listeners).toBe(0);
  });
});

describe('appStateWakeSource', () => {
  it('coming back to the foreground runs the refresh the suspended app missed', async () => {
    const { client, source, appState, events } = setup();
    await vi.advanceTimersByTimeAsync(0);
    await client.getToken();
    appState.change('background');
    // JS timers do not run while the app is suspended: the clock moves, the refresh timer does not.
    vi.setSystemTime(Date.now() + 50_000);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
    appState.change('active');
    await vi.advanceTimersByTimeAsync(0);
    expect(events.filter((event) => event.type === 'fetch-start').map((event) => event.type === 'fetch-start' && event.reason)).toEqual(['cold', 'refresh']);
    expect(serial(client.peekToken())).toBe(2);
  });

  it('wakes only on the way into "active", not on background or repeated active', async () => {
    const wake = vi.fn();
    const appState = fakeAppState('active');
    appStateWakeSource(appState).subscribe(wake);
    appState.change('inactive');
    appState.change('background');
    expect(wake).not.toHaveBeenCalled();
    appState.change('active');
    appState.change('active');
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('removes its listener with the subscription, or with removeEventListener on React Native < 0.65', () => {
    const modern = fakeAppState();
    appStateWakeSource(modern).subscribe(() => undefined)();
    expect(modern.listeners).toBe(0);

    const listeners = new Set<(state: string) => void>();
    const legacy = {
      currentState: 'active',
      addEventListener: (_type: 'change', listener: (state: string) => void) => void listeners.add(listener),
      removeEventListener: (_type: 'change', listener: (state: string) => void) => void listeners.delete(listener),
    };
    const unsubscribe = appStateWakeSource(legacy).subscribe(() => undefined);
    expect(listeners.size).toBe(1);
    unsubscribe();
    expect(listeners.size).toBe(0);
  });

  it('stops listening to AppState when the client is destroyed', () => {
    const { client, appState } = setup();
    expect(appState.listeners).toBe(1);
    client.destroy();
    expect(appState.listeners).toBe(0);
  });
});
