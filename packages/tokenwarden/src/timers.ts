import type { TimerHandle, TimerProvider } from './types';

/**
 * Default timers: the globals, looked up at call time so `vi.useFakeTimers()` after import works.
 */
export const systemTimers: TimerProvider = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Lets a Node process exit while only background refresh timers are pending. */
export function unrefTimer(handle: TimerHandle): void {
  const maybe = handle as { unref?: () => void } | null;
  if (maybe && typeof maybe === 'object' && typeof maybe.unref === 'function') maybe.unref();
}

/** A promise that resolves after `ms` unless cancelled; cancelling resolves it early with false. */
export function sleep(timers: TimerProvider, ms: number): { done: Promise<boolean>; cancel(): void } {
  let settle!: (completed: boolean) => void;
  const done = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const handle = timers.setTimeout(() => settle(true), ms);
  return {
    done,
    cancel() {
      timers.clearTimeout(handle);
      settle(false);
    },
  };
}
