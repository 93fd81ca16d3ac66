import { describe, expect, it, vi } from 'vitest';
import { createNetworkSource, defaultNetworkSource } from './network';
import { createWakeSource, defaultWakeSource } from './visibility';

describe('createNetworkSource', () => {
  it('installs the platform hook on the first subscriber, removes it on the last, notifies only on change', () => {
    let push!: (online: boolean) => void;
    const cleanup = vi.fn();
    const setup = vi.fn((setOnline: (online: boolean) => void) => {
      push = setOnline;
      return cleanup;
    });
    const source = createNetworkSource(setup);
    expect(setup).not.toHaveBeenCalled();
    const a = vi.fn();
    const b = vi.fn();
    const offA = source.subscribe(a);
    const offB = source.subscribe(b);
    expect(setup).toHaveBeenCalledTimes(1);
    push(true);
    expect(a).not.toHaveBeenCalled();
    push(false);
    push(false);
    expect(a).toHaveBeenCalledTimes(1);
    expect(source.isOnline()).toBe(false);
    offA();
    expect(cleanup).not.toHaveBeenCalled();
    offB();
    expect(cleanup).toHaveBeenCalledTimes(1);
  });

  it('in Node the default is optimistic and unobservable', () => {
    const source = defaultNetworkSource();
    expect(source.isOnline()).toBe(true);
    expect(source.observable).toBe(false);
    expect(() => source.subscribe(() => undefined)()).not.toThrow();
  });

  it('in Node the default wake source is inert', () => {
    expect(() => defaultWakeSource().subscribe(() => undefined)()).not.toThrow();
  });

  it('createWakeSource passes wake-ups through and cleans up', () => {
    let wake!: () => void;
    const cleanup = vi.fn();
    const source = createWakeSource((w) => {
      wake = w;
      return cleanup;
    });
    const listener = vi.fn();
    const off = source.subscribe(listener);
    wake();
    expect(listener).toHaveBeenCalledTimes(1);
    off();
    expect(cleanup).toHaveBeenCalled();
  });
});
