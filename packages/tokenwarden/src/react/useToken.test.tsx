// @vitest-environment happy-dom
import { act, cleanup, render, renderHook, screen } from '@testing-library/react';
import { StrictMode, type ReactNode, useEffect } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { T0, fakeNetwork, freshJwt, mintingSource, noWake, serial } from '../../test/helpers';
import { createTokenClient, type TokenClient } from '../client';
import { OfflineError } from '../errors';
import type { FetchTokenResult } from '../types';
import { TokenProvider, useGetToken, useToken, type TokenState, type UseTokenOptions } from './index';

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function setup(fetchToken?: () => Promise<FetchTokenResult>) {
  const network = fakeNetwork();
  const source = mintingSource(60);
  const client = createTokenClient({
    fetchToken: fetchToken ?? source.fetchToken,
    network,
    wake: noWake,
    clock: { now: () => Date.now() },
    random: () => 0.5,
  });
  const wrapper = ({ children }: { children?: ReactNode }) => <TokenProvider client={client}>{children}</TokenProvider>;
  return { client, network, source, wrapper };
}

/** Renders `useToken` and records every value it rendered with. */
function renderToken(client: TokenClient, options?: UseTokenOptions) {
  const renders: TokenState[] = [];
  const view = renderHook(
    (props: { options?: UseTokenOptions }) => {
      const state = useToken(props.options);
      renders.push(state);
      return state;
    },
    { wrapper: ({ children }) => <TokenProvider client={client}>{children}</TokenProvider>, initialProps: { options } },
  );
  return { ...view, renders };
}

/** Lets resolved promises and due timers run inside act(). */
const flush = (ms = 0) => act(() => vi.advanceTimersByTimeAsync(ms));

describe('useToken', () => {
  it('starts loading, fetches once, then is ready with the token', async () => {
    const { client, source } = setup();
    const { result, renders } = renderToken(client);
    expect(renders[0]).toMatchObject({ token: null, status: 'loading', error: null });
    await flush();
    expect(result.current.status).toBe('ready');
    expect(serial(result.current.token)).toBe(1);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('is ready on the first render when the client already holds a usable token', async () => {
    const { client, source } = setup();
    const token = await client.getToken();
    const { renders } = renderToken(client);
    expect(renders[0]).toMatchObject({ token, status: 'ready' });
    await flush();
    expect(renders.every((state) => state.status === 'ready')).toBe(true);
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('reports signed-out when the source has no session', async () => {
    const { client } = setup(async () => null);
    const { result } = renderToken(client);
    await flush();
    expect(result.current).toMatchObject({ token: null, status: 'signed-out', error: null });
  });

  it('reports offline with the OfflineError, then becomes ready when the network returns', async () => {
    const { client, network, source } = setup();
    network.set(false);
    const { result } = renderToken(client);
    await flush();
    expect(result.current.status).toBe('offline');
    expect(OfflineError.is(result.current.error)).toBe(true);
    expect(source.fetchToken).not.toHaveBeenCalled();
    await act(async () => network.set(true));
    await flush();
    expect(result.current).toMatchObject({ status: 'ready', error: null });
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('recovers when the network returns after a long outage (the key went idle meanwhile)', async () => {
    const { client, network, source } = setup();
    network.set(false);
    const { result } = renderToken(client);
    await flush(5 * 60_000);
    expect(result.current.status).toBe('offline');
    await act(async () => network.set(true));
    await flush();
    expect(result.current.status).toBe('ready');
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('reports error with the cause when the endpoint fails for good', async () => {
    const failure = Object.assign(new Error('bad request'), { status: 400 });
    const { client } = setup(() => Promise.reject(failure));
    const { result } = renderToken(client);
    await flush();
    expect(result.current.status).toBe('error');
    expect(result.current.error).toMatchObject({ name: 'TokenFetchError', status: 400 });
  });

  it('shows the refreshed token after a background refresh, with one re-render for it', async () => {
    const { client } = setup();
    const { result, renders } = renderToken(client);
    await flush();
    const before = renders.length;
    await flush(43_000);
    expect(serial(result.current.token)).toBe(2);
    expect(renders.length).toBe(before + 1);
  });

  it('keeps a mounted key refreshing ahead of expiry for many lifetimes (the hook counts as a reader)', async () => {
    const { client, source } = setup();
    const reasons: string[] = [];
    client.subscribe((event) => event.type === 'fetch-start' && reasons.push(event.reason));
    const { renders } = renderToken(client);
    await flush();
    const firstReady = renders.length - 1;
    await flush(10 * 60_000);
    // 60 s tokens refresh 43 s into their life: 13 refreshes in 10 minutes, never a gap.
    expect(reasons).toEqual(['cold', ...Array(13).fill('refresh')]);
    expect(renders.slice(firstReady).map((state) => state.status)).toEqual(Array(14).fill('ready'));
    expect(source.fetchToken).toHaveBeenCalledTimes(14);
  });

  it('shows loading, not the old token, while a token that reached its cutoff is refetched', async () => {
    let calls = 0;
    const { client } = setup(async () => {
      calls++;
      // The second token takes 2 s to arrive.
      if (calls > 1) await new Promise((resolve) => setTimeout(resolve, 2_000));
      return freshJwt(10, { n: calls });
    });
    // A 10 s token refreshes at its cutoff (5 s), so there is no window with a usable token.
    const { result } = renderToken(client);
    await flush();
    expect(serial(result.current.token)).toBe(1);
    await flush(5_000);
    expect(result.current).toMatchObject({ token: null, status: 'loading' });
    await flush(2_000);
    expect(result.current.status).toBe('ready');
    expect(serial(result.current.token)).toBe(2);
  });

  it('refresh() after an error shows loading until the new answer', async () => {
    let fail = true;
    const { client } = setup(async () => {
      if (fail) throw Object.assign(new Error('bad request'), { status: 400 });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      return freshJwt(60, { n: 1 });
    });
    const { result } = renderToken(client);
    await flush();
    expect(result.current.status).toBe('error');
    fail = false;
    act(() => void result.current.refresh());
    expect(result.current).toMatchObject({ status: 'loading', error: null });
    // The request after a failure waits out the minimum gap (125 ms) before its 1 s answer.
    await flush(1_200);
    expect(result.current.status).toBe('ready');
  });

  it('does not re-render for events that change nothing it shows', async () => {
    const { client, network } = setup();
    const { renders } = renderToken(client);
    await flush();
    const before = renders.length;
    await act(async () => {
      await client.getToken({ template: 'other' });
      network.set(false);
      network.set(true);
    });
    await flush(1_000);
    expect(renders.length).toBe(before);
  });

  it('returns the very same object while nothing changed', async () => {
    const { client } = setup();
    const { result, rerender } = renderToken(client);
    await flush();
    const first = result.current;
    rerender({ options: {} });
    expect(result.current).toBe(first);
  });

  it('treats an equal options object as the same key: no refetch, no new state', async () => {
    const { client, source } = setup();
    const { result, rerender } = renderToken(client, { template: 'api' });
    await flush();
    const first = result.current;
    rerender({ options: { template: 'api' } });
    await flush();
    expect(result.current).toBe(first);
    expect(source.calls.map((call) => call.template)).toEqual(['api']);
    rerender({ options: { template: 'admin' } });
    await flush();
    expect(result.current.status).toBe('ready');
    expect(result.current.token).not.toBe(first.token);
    expect(source.calls.map((call) => call.template)).toEqual(['api', 'admin']);
  });

  it('refresh() fetches a fresh token and is the same function on every render', async () => {
    const { client, source } = setup();
    const { result } = renderToken(client);
    await flush();
    const { refresh } = result.current;
    await act(() => refresh());
    expect(serial(result.current.token)).toBe(2);
    expect(result.current.refresh).toBe(refresh);
    expect(source.fetchToken).toHaveBeenCalledTimes(2);
  });

  it('refresh() never rejects: a failure shows in the state instead', async () => {
    const { client, network } = setup();
    const { result } = renderToken(client);
    await flush();
    await act(async () => network.set(false));
    await act(() => expect(result.current.refresh()).resolves.toBeUndefined());
    expect(result.current.status).toBe('ready');
    await flush(56_000);
    await act(() => expect(result.current.refresh()).resolves.toBeUndefined());
    expect(result.current.status).toBe('offline');
  });

  it('goes signed-out when the client is cleared elsewhere', async () => {
    const { client } = setup();
    const { result } = renderToken(client);
    await flush();
    await act(async () => client.clear());
    expect(result.current).toMatchObject({ token: null, status: 'signed-out' });
  });

  it('stops showing a token at its cutoff when it could not be refreshed (offline)', async () => {
    const { client, network } = setup();
    const { result } = renderToken(client);
    await flush();
    await act(async () => network.set(false));
    // The cutoff (exp - 5 s) is judged on the late end of a clock known to a second: 54 s in.
    await flush(53_000);
    expect(result.current.status).toBe('ready');
    await flush(1_000);
    expect(result.current).toMatchObject({ token: null, status: 'offline' });
  });

  it('still drops the token at its cutoff after a refresh() that failed while it was usable', async () => {
    const { client, network } = setup();
    const { result } = renderToken(client);
    await flush();
    await act(async () => network.set(false));
    await act(() => result.current.refresh());
    expect(result.current.status).toBe('ready');
    await flush(56_000);
    expect(result.current).toMatchObject({ token: null, status: 'offline' });
  });

  it('mounts once in StrictMode with a single request', async () => {
    const { client, source } = setup();
    const seen: string[] = [];
    function Status() {
      seen.push(useToken().status);
      return null;
    }
    render(
      <StrictMode>
        <TokenProvider client={client}>
          <Status />
        </TokenProvider>
      </StrictMode>,
    );
    await flush();
    expect(seen.at(-1)).toBe('ready');
    expect(source.fetchToken).toHaveBeenCalledTimes(1);
  });

  it('stops listening on unmount: the key then goes idle and is dropped', async () => {
    const { client, source } = setup();
    const view = renderToken(client);
    await flush();
    view.unmount();
    await flush(5 * 60_000);
    expect(client.snapshot().entries).toEqual([]);
    expect(source.fetchToken.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('follows a new client given to the provider (a new session)', async () => {
    const first = setup();
    const second = setup();
    const seen: Array<string | null> = [];
    function Token() {
      seen.push(useToken().token);
      return null;
    }
    const view = render(
      <TokenProvider client={first.client}>
        <Token />
      </TokenProvider>,
    );
    await flush();
    const firstToken = seen.at(-1);
    await flush(2_000); // a later iat, so the two sessions' tokens differ
    view.rerender(
      <TokenProvider client={second.client}>
        <Token />
      </TokenProvider>,
    );
    await flush();
    expect(second.source.fetchToken).toHaveBeenCalledTimes(1);
    expect(seen.at(-1)).toBe(second.client.peekToken());
    expect(seen.at(-1)).not.toBe(firstToken);
  });

  it('renders loading on the server without fetching', () => {
    const { client, source, wrapper: Wrapper } = setup();
    function Status() {
      const { status, token } = useToken();
      return (
        <p>
          {status}:{String(token)}
        </p>
      );
    }
    const html = renderToString(
      <Wrapper>
        <Status />
      </Wrapper>,
    );
    expect(html).toBe('<p>loading<!-- -->:<!-- -->null</p>');
    expect(source.fetchToken).not.toHaveBeenCalled();
  });

  it('throws a clear error outside a TokenProvider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => renderHook(() => useToken())).toThrow(/TokenProvider/);
  });
});

describe('useGetToken', () => {
  it('returns the same function across renders and resolves tokens without re-rendering', async () => {
    const { client, wrapper } = setup();
    let renders = 0;
    const { result, rerender } = renderHook(
      () => {
        renders++;
        return useGetToken();
      },
      { wrapper },
    );
    const getToken = result.current;
    rerender();
    expect(result.current).toBe(getToken);
    const before = renders;
    let token: string | null = null;
    await act(async () => {
      token = await getToken({ template: 'api' });
    });
    expect(serial(token)).toBe(1);
    expect(renders).toBe(before);
  });

  it('a component can use it in an effect to call an API once', async () => {
    const { client, wrapper: Wrapper } = setup();
    const calls: Array<string | null> = [];
    function Loader() {
      const getToken = useGetToken();
      const { status } = useToken();
      // Stable identity: this effect runs once even though the component re-renders.
      useEffect(() => void getToken().then((token) => calls.push(token)), [getToken]);
      return <p>{status}</p>;
    }
    render(
      <Wrapper>
        <Loader />
      </Wrapper>,
    );
    await flush();
    expect(screen.getByText('ready')).toBeTruthy();
    expect(calls).toHaveLength(1);
    expect(client.peekToken()).toBe(calls[0]);
  });
});
