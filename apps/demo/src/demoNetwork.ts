import { createNetworkSource, defaultNetworkSource, type NetworkSource } from 'tokenwarden';

/** The browser's network state, plus a switch that makes the page behave as if it were offline. */
export interface DemoNetwork extends NetworkSource {
  /** What the browser itself says (`navigator.onLine`). */
  browserOnline(): boolean;
  readonly simulatedOffline: boolean;
  setSimulatedOffline(offline: boolean): void;
}

/**
 * A page cannot switch the browser offline, so "Go offline" is simulated: the client's network
 * source reports offline exactly as it would on the browser's `offline` event (and the page's
 * fetch refuses token requests). A real offline browser (DevTools, `context.setOffline`) works too.
 */
export function createDemoNetwork(browser: NetworkSource = defaultNetworkSource()): DemoNetwork {
  let simulatedOffline = false;
  let recompute: (() => void) | undefined;
  const online = (): boolean => browser.isOnline() && !simulatedOffline;
  const source = createNetworkSource(
    (setOnline) => {
      recompute = () => setOnline(online());
      const unsubscribe = browser.subscribe(() => recompute?.());
      recompute();
      return () => {
        unsubscribe();
        recompute = undefined;
      };
    },
    { initial: online() },
  );
  return {
    observable: true,
    subscribe: source.subscribe,
    isOnline: online,
    browserOnline: () => browser.isOnline(),
    get simulatedOffline() {
      return simulatedOffline;
    },
    setSimulatedOffline(offline) {
      simulatedOffline = offline;
      recompute?.();
    },
  };
}
