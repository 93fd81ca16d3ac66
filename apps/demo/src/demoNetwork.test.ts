import type { NetworkSource } from 'tokenwarden';
import { describe, expect, it, vi } from 'vitest';
import { countingFetch } from './countingFetch';
import { createDemoNetwork } from './demoNetwork';

function fakeBrowser(initial = true): NetworkSource & { set(online: boolean): void } {
  let online = initial;
  const listeners = new Set<(online: boolean) => void>();
  return {
    isOnline: () => online,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    set(next) {
      online = next;
      for (const listener of listeners) listener(next);
    },
  };
}

describe('createDemoNetwork', () => {
  it('is online only when the browser is and the page does not simulate offline', () => {
    const browser = fakeBrowser();
    const network = createDemoNetwork(browser);
    const heard: boolean[] = [];
    const unsubscribe = network.subscribe((online) => heard.push(online));

    network.setSimulatedOffline(true);
    expect([network.isOnline(), network.browserOnline(), network.simulatedOffline]).toEqual([false, true, true]);
    browser.set(false);
    network.setSimulatedOffline(false);
    expect(network.isOnline()).toBe(false);
    browser.set(true);
    expect(network.isOnline()).toBe(true);
    // Only real changes are announced: the browser going offline while simulated offline is not one.
    expect(heard).toEqual([false, true]);

    unsubscribe();
    network.setSimulatedOffline(true);
    expect(heard).toEqual([false, true]);
  });

  it('reads the browser live before anyone subscribed', () => {
    const browser = fakeBrowser(false);
    const network = createDemoNetwork(browser);
    expect(network.isOnline()).toBe(false);
    browser.set(true);
    expect(network.isOnline()).toBe(true);
  });
});

describe('countingFetch', () => {
  it('counts requests it sends and refuses them like an offline browser while blocked', async () => {
    let blocked = false;
    const onRequest = vi.fn();
    const inner = vi.fn(async () => new Response('{}'));
    const fetchToken = countingFetch({ onRequest, isBlocked: () => blocked, fetch: inner });

    await fetchToken('http://127.0.0.1/x', { method: 'POST' });
    blocked = true;
    await expect(fetchToken('http://127.0.0.1/x')).rejects.toBeInstanceOf(TypeError);
    expect(onRequest).toHaveBeenCalledTimes(1);
    expect(inner).toHaveBeenCalledTimes(1);
    expect(inner).toHaveBeenCalledWith('http://127.0.0.1/x', { method: 'POST' });
  });
});

describe('countingFetch reachability', () => {
  it('reports an answer (any status) as reached and a failed connection as not, but not an abort', async () => {
    const settled: boolean[] = [];
    let next: () => Promise<Response> = async () => new Response('{}', { status: 503 });
    const fetchToken = countingFetch({ onRequest: () => {}, onSettled: (answered) => settled.push(answered), isBlocked: () => false, fetch: () => next() });

    await fetchToken('http://127.0.0.1/x');
    next = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(fetchToken('http://127.0.0.1/x')).rejects.toBeInstanceOf(TypeError);
    const aborted = new AbortController();
    aborted.abort();
    await expect(fetchToken('http://127.0.0.1/x', { signal: aborted.signal })).rejects.toBeInstanceOf(TypeError);
    expect(settled).toEqual([true, false]);
  });
});
