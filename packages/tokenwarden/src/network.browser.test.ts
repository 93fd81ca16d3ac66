// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { defaultNetworkSource } from './network';
import { defaultWakeSource } from './visibility';

describe('browser defaults', () => {
  it('follows navigator.onLine and the online/offline events', () => {
    const source = defaultNetworkSource();
    expect(source.observable).toBe(true);
    const listener = vi.fn();
    const off = source.subscribe(listener);
    const onLine = vi.spyOn(navigator, 'onLine', 'get');
    onLine.mockReturnValue(false);
    window.dispatchEvent(new Event('offline'));
    expect(listener).toHaveBeenLastCalledWith(false);
    expect(source.isOnline()).toBe(false);
    onLine.mockReturnValue(true);
    window.dispatchEvent(new Event('online'));
    expect(listener).toHaveBeenLastCalledWith(true);
    off();
    window.dispatchEvent(new Event('offline'));
    expect(listener).toHaveBeenCalledTimes(2);
    onLine.mockRestore();
  });

  it('wakes on focus and on the tab becoming visible', () => {
    const listener = vi.fn();
    const off = defaultWakeSource().subscribe(listener);
    window.dispatchEvent(new Event('focus'));
    document.dispatchEvent(new Event('visibilitychange'));
    expect(listener).toHaveBeenCalledTimes(document.visibilityState === 'visible' ? 2 : 1);
    off();
    window.dispatchEvent(new Event('focus'));
    expect(listener).toHaveBeenCalledTimes(document.visibilityState === 'visible' ? 2 : 1);
  });
});
