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

/** Makes a timer keep a Node process alive again (someone now awaits it). */
export function refTimer(handle: TimerHandle): void {
  const maybe = handle as { ref?: () => void } | null;
  if (maybe && typeof maybe === 'object' && typeof maybe.ref === 'function') maybe.ref();
}

export interface Nap {
  done: Promise<boolean>;
  cancel(): void;
  /** Someone now waits on this nap: it should keep a Node process alive. */
  hold(): void;
}

/**
 * A promise that resolves after `ms` unless cancelled; cancelling resolves it early with false.
 * A background nap (nobody awaiting it) does not keep a Node process alive.
 */
export function sleep(timers: TimerProvider, ms: number, background = false): Nap {
  let settle!: (completed: boolean) => void;
  const done = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  const handle = timers.setTimeout(() => settle(true), ms);
  if (background) unrefTimer(handle);
  return {
    done,
    cancel() {
      timers.clearTimeout(handle);
      settle(false);
    },
    hold: () => refTimer(handle),
  };
}
