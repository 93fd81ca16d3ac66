import type { EventTargetLike } from './network';
import type { WakeSource } from './types';

/**
 * Wake-ups: the tab became visible or the window got focus (React Native: AppState 'active').
 *
 * @example React Native
 * const wake = createWakeSource((wake) => {
 *   const sub = AppState.addEventListener('change', (s) => s === 'active' && wake());
 *   return () => sub.remove();
 * });
 */
export function createWakeSource(setup: (wake: () => void) => (() => void) | void): WakeSource {
  return {
    subscribe(listener) {
      const cleanup = setup(listener);
      return () => cleanup?.();
    },
  };
}

/**
 * The default wake-up source: the document becoming visible and the window gaining focus, where a
 * document exists; elsewhere a source that never fires (React Native: use `appStateWakeSource`).
 *
 * @example
 * const client = createTokenClient({ fetchToken, wake: defaultWakeSource() }); // same as omitting `wake`
 */
export function defaultWakeSource(): WakeSource {
  const g = globalThis as { document?: { visibilityState?: string } & Partial<EventTargetLike> } & Partial<EventTargetLike>;
  const doc = g.document;
  if (!doc || typeof doc.addEventListener !== 'function' || typeof g.addEventListener !== 'function') {
    return createWakeSource(() => undefined);
  }
  return createWakeSource((wake) => {
    const onVisibility = () => {
      if (doc.visibilityState === 'visible') wake();
    };
    doc.addEventListener?.('visibilitychange', onVisibility);
    g.addEventListener?.('focus', wake);
    return () => {
      doc.removeEventListener?.('visibilitychange', onVisibility);
      g.removeEventListener?.('focus', wake);
    };
  });
}
