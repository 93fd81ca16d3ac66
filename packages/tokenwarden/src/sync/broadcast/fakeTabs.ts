/**
 * A browser in a box for the coordinator's unit tests: several "tabs", each a real token client
 * with a `broadcastCoordinator`, sharing one in-memory channel bus, one in-memory lock manager and
 * one fake token server. Time is whatever the test's fake timers say. Not exported from the package.
 */
import { type TokenClient, type TokenClientOptions, createTokenClient } from '../../client';
import type { FetchToken, FetchTokenContext, FetchTokenResult, NetworkSource, TokenEvent, TokenKey } from '../../types';
import { type BroadcastCoordinatorOptions, broadcastCoordinator } from './broadcastCoordinator';
import { type ReleaseLock, requestLock } from './locks';
import { type TokenMessage, tokenMessage } from './messages';
import { lockName } from './names';
import { InMemoryBroadcast, InMemoryLocks } from './testing';

function base64url(value: unknown): string {
  return btoa(JSON.stringify(value)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** An unsigned-looking JWT: tokenwarden reads claims, it never verifies signatures. */
export function makeJwt(claims: Record<string, unknown>): string {
  return `${base64url({ alg: 'ES256', typ: 'JWT' })}.${base64url(claims)}.c2ln`;
}

/**
 * The v2 token message a tab would post for `token`: its timing from the JWT's claims (or from
 * `fields` for an opaque token), no session and no sign-out unless `fields` say otherwise. For
 * injecting as if from another tab.
 */
export function sharedToken(token: string, fields: Partial<Omit<TokenMessage, 'v' | 'type' | 'token'>> = {}): TokenMessage {
  let expiresAt = Number.NaN;
  let issuedAt = Number.NaN;
  try {
    const claims = claimsOf(token);
    if (typeof claims['exp'] === 'number') expiresAt = claims['exp'] * 1000;
    if (typeof claims['iat'] === 'number') issuedAt = claims['iat'] * 1000;
  } catch {
    // Opaque: the caller gives the timing.
  }
  const { namespace = 'app', key = {}, session, signOut = '', ...timing } = fields;
  return tokenMessage(namespace, key, { token, expiresAt, issuedAt, ...timing }, session, signOut);
}

/** Claims of a JWT, for assertions. */
export function claimsOf(token: string | null): Record<string, unknown> {
  if (token === null) throw new Error('expected a token, got null');
  const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part)) as Record<string, unknown>;
}

export interface ServerCall {
  tab: string;
  key: TokenKey;
  signal: AbortSignal;
  /** Answers this call now (held calls only). */
  answer(result?: FetchTokenResult): void;
  /** Fails this call (held calls only), as a dropped connection does. */
  fail(error?: unknown): void;
}

/** The token endpoint every tab talks to. Counts calls; can hold answers until the test releases them. */
export class FakeTokenServer {
  readonly calls: ServerCall[] = [];
  ttl: number;
  sid: string | undefined = 'sess_1';
  /** While true, calls wait for `answer()`/`fail()` (a slow or stuck server). */
  hold = false;
  /** Answer `null` (signed out) from now on. */
  signedOut = false;
  /** Mint opaque tokens (not JWTs) answered as `{ token, expiresIn }`, as an OAuth server does. */
  opaque = false;
  /** Put `nbf` (equal to `iat`) in the JWTs, as the devserver and many issuers do. */
  notBefore = false;
  #serial = 0;

  constructor(ttl: number) {
    this.ttl = ttl;
  }

  /** A token as this server would mint it at `at` (ms). */
  mint(at = Date.now(), extra: Record<string, unknown> = {}): string {
    const iat = Math.floor(at / 1000);
    const nbf = this.notBefore ? { nbf: iat } : {};
    return makeJwt({ sub: 'user_1', ...(this.sid === undefined ? {} : { sid: this.sid }), iat, ...nbf, exp: iat + this.ttl, n: ++this.#serial, ...extra });
  }

  /** An opaque access token with its lifetime beside it (`expires_in`), nothing to decode. */
  mintOpaque(): FetchTokenResult {
    return { token: `opaque-${++this.#serial}-${'x'.repeat(20)}`, expiresIn: this.ttl };
  }

  callsFor(tab: string): ServerCall[] {
    return this.calls.filter((call) => call.tab === tab);
  }

  fetchToken(tab: string): FetchToken {
    return (context: FetchTokenContext) =>
      new Promise<FetchTokenResult>((resolve, reject) => {
        // Minted when the request reaches the server, answered whenever the test says.
        const minted = this.signedOut ? null : this.opaque ? this.mintOpaque() : this.mint();
        const call: ServerCall = {
          tab,
          key: { template: context.template, organizationId: context.organizationId, audience: context.audience },
          signal: context.signal,
          answer: (result = minted) => resolve(result),
          fail: (error = new TypeError('Failed to fetch')) => reject(error),
        };
        this.calls.push(call);
        if (!this.hold) call.answer();
      });
  }
}

export interface FakeTab {
  readonly name: string;
  readonly client: TokenClient;
  readonly events: TokenEvent[];
}

const alwaysOnline: NetworkSource = { observable: true, isOnline: () => true, subscribe: () => () => undefined };
const noWake = { subscribe: () => () => undefined };

export interface TabsWorldOptions {
  ttl?: number;
  namespace?: string;
  coordinator?: Partial<BroadcastCoordinatorOptions>;
  client?: Partial<TokenClientOptions>;
}

export function createTabsWorld(options: TabsWorldOptions = {}) {
  const namespace = options.namespace ?? 'app';
  const bus = new InMemoryBroadcast();
  const locks = new InMemoryLocks();
  const server = new FakeTokenServer(options.ttl ?? 60);
  const tabs = new Map<string, FakeTab>();

  function open(name: string, overrides: { coordinator?: Partial<BroadcastCoordinatorOptions>; client?: Partial<TokenClientOptions> } = {}): FakeTab {
    const coordinator = broadcastCoordinator({
      namespace,
      channel: bus.factory(name),
      locks: locks.factory(name),
      // Asking open tabs before a first fetch has its own tests; elsewhere it would only add its
      // wait in front of the leader election those tests are about.
      askTimeout: 0,
      ...options.coordinator,
      ...overrides.coordinator,
    });
    const client = createTokenClient({
      fetchToken: server.fetchToken(name),
      network: alwaysOnline,
      wake: noWake,
      clock: { now: () => Date.now() },
      random: () => 1,
      coordinator,
      ...options.client,
      ...overrides.client,
    });
    const events: TokenEvent[] = [];
    client.subscribe((event) => events.push(event));
    const tab = { name, client, events };
    tabs.set(name, tab);
    return tab;
  }

  /** The tab is closed: the browser frees its locks and channels; none of its code runs again. */
  function close(name: string): void {
    locks.closeTab(name);
    bus.closeTab(name);
    // Stops the dropped client's timers; its link is already cut off from the others.
    tabs.get(name)?.client.destroy();
    tabs.delete(name);
  }

  /**
   * Takes the refresh lock of `key` from outside any tab (a leader in a tab not modelled here):
   * a tab that then reads the key waits for a shared token (up to `waitTimeout`) instead of
   * fetching, which is how a test makes a tab read a key without a request of its own.
   */
  async function holdLock(key: TokenKey = {}): Promise<ReleaseLock> {
    const release = await requestLock(locks.manager('elsewhere'), lockName(namespace, key), {});
    if (!release) throw new Error('lock not granted');
    return release;
  }

  /**
   * Every tab in `readers` reads `key`; the first fetches (holding the lock) and the others wait
   * for its token and adopt it. Resolves the one token they all hold, after a single request.
   * `advance` is the test's fake-timer step (`vi.advanceTimersByTimeAsync`).
   */
  async function signIn(readers: FakeTab[], advance: (ms: number) => Promise<unknown>, key: TokenKey = {}): Promise<string> {
    const [leader, ...others] = readers;
    if (!leader) throw new Error('no tab to sign in');
    const held = server.hold;
    server.hold = true;
    const calls = server.calls.length;
    const first = leader.client.getToken(key);
    await advance(0);
    const rest = others.map((tab) => tab.client.getToken(key));
    await advance(0);
    server.hold = held;
    const call = server.calls[calls];
    if (!call || server.calls.length !== calls + 1) throw new Error('expected exactly one request');
    call.answer();
    await advance(100);
    const token = await first;
    if (token === null) throw new Error('signed out');
    for (const other of await Promise.all(rest)) if (other !== token) throw new Error('a tab did not adopt the shared token');
    return token;
  }

  return { namespace, bus, locks, server, tabs, open, close, holdLock, signIn };
}
