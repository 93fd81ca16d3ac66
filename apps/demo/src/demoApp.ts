import { DemoCounters, type CounterValues } from './counters';
import { countingFetch } from './countingFetch';
import { DEMO_KEYS, findDemoKey, sameKey, type DemoKey } from './demoKeys';
import type { DemoNetwork } from './demoNetwork';
import type { DevserverApi, ServerFaults, ServerStats } from './devserverApi';
import { describeError, errorName } from './describeError';
import { describeEvent, type EventLog } from './eventLog';
import { callTime, duration } from './format';
import type { DemoSession, SessionStore } from './sessionStore';
import { timedRead, type ReadResult } from './timedRead';
import { createTokenClient, httpTokenSource, type Coordinator, type TokenClient, type TokenEvent, type TokenKey } from './tokenwardenLib';

/** How often the page reads its keys and polls the devserver, ms. */
export const READ_INTERVAL = 1000;
export const POLL_INTERVAL = 1000;
/**
 * How long a `getToken()` with no usable token keeps retrying before it rejects, ms. Set
 * explicitly (it is the library's default) so what the page says about it is what the client does.
 */
export const FOREGROUND_BUDGET = 10_000;

/** What this tab last saw of the token server: its answers, not the control API's switches. */
export type TokenServerReach = 'unknown' | 'answering' | 'unreachable';

export interface KeyActivity {
  /** Tokens accepted for this key in this session. */
  tokens: number;
  lastRead: (ReadResult & { at: number }) | undefined;
  /** A read of this key is still waiting (the next tick skips it rather than pile up). */
  pending: boolean;
}

export interface LastCall {
  /** Counts calls, so a repeated identical answer still reads as a new one. */
  n: number;
  result: ReadResult;
  at: number;
}

export interface DemoAppDeps {
  api: DevserverApi;
  store: SessionStore;
  network: DemoNetwork;
  log: EventLog;
  /** Origin of the token API (the page's own). */
  baseUrl: string;
  /** Shares tokens between tabs of one session, when the library offers it. */
  coordinator?: (session: DemoSession) => Coordinator | undefined;
  openTab(): void;
}

/**
 * The page's controller: one token client per signed-in session, reads of every demo key each
 * second (so refreshes keep happening and are visible), the devserver's fault and counter state,
 * and the actions behind every control. It owns no DOM; the view renders `this` on each tick.
 */
export class DemoApp {
  readonly #deps: DemoAppDeps;
  readonly #listeners = new Set<() => void>();
  #client: TokenClient | undefined;
  #unsubscribeClient: (() => void) | undefined;
  #session: DemoSession | null = null;
  #signedOutReason = 'Sign in to start a session.';
  /**
   * Why the page is about to sign out, recorded before it acts: `clear()` emits `cleared` and
   * `signed-out` synchronously, and a read may meet the ended session while the sign-out request
   * is still on its way, so the reason must be known before either can happen.
   */
  #signOutIntent: string | undefined;
  #tokenServer: TokenServerReach = 'unknown';
  #counters = new DemoCounters();
  #activity = new Map<string, KeyActivity>();
  #lastCall: LastCall | undefined;
  /** Calls of "Call getToken() now" in this page's life (never reset, so `n` always moves on). */
  #calls = 0;
  #faults: ServerFaults | undefined;
  #stats: ServerStats | undefined;
  #controlReachable = true;
  #selectedKey = DEMO_KEYS[0]?.id ?? 'default';
  #timers: Array<ReturnType<typeof setInterval>> = [];
  #stopStore: (() => void) | undefined;
  #stopNetwork: (() => void) | undefined;
  #tabSync = false;
  /** The last `cleared` event came from another tab (through the coordinator). */
  #clearedRemotely = false;

  constructor(deps: DemoAppDeps) {
    this.#deps = deps;
  }

  start(): void {
    const session = this.#deps.store.load();
    if (session) this.#startSession(session, 'resumed the session stored by this browser');
    this.#stopStore = this.#deps.store.onChange((next) => this.#adoptFromOtherTab(next));
    this.#timers.push(setInterval(() => this.#readAll(), READ_INTERVAL));
    this.#timers.push(setInterval(() => void this.#poll(), POLL_INTERVAL));
    // Back online: refresh the devserver's state now rather than at the next tick.
    this.#stopNetwork = this.#deps.network.subscribe(() => {
      if (this.#deps.network.browserOnline()) void this.#poll();
      this.#changed();
    });
    void this.#poll();
  }

  stop(): void {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#stopStore?.();
    this.#stopNetwork?.();
    this.#dropClient();
  }

  /** Called after every state change worth an immediate repaint. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- What the view reads -------------------------------------------------------------------

  get session(): DemoSession | null {
    return this.#session;
  }
  get signedOutReason(): string {
    return this.#signedOutReason;
  }
  get client(): TokenClient | undefined {
    return this.#client;
  }
  get counters(): CounterValues {
    return this.#counters.values();
  }
  get lastCall(): LastCall | undefined {
    return this.#lastCall;
  }
  get faults(): ServerFaults | undefined {
    return this.#faults;
  }
  get stats(): ServerStats | undefined {
    return this.#stats;
  }
  get controlReachable(): boolean {
    return this.#controlReachable;
  }
  /** Whether this tab's last token request got an answer (any status) or failed to connect. */
  get tokenServer(): TokenServerReach {
    return this.#tokenServer;
  }
  get network(): DemoNetwork {
    return this.#deps.network;
  }
  get log(): EventLog {
    return this.#deps.log;
  }
  get selectedKey(): string {
    return this.#selectedKey;
  }
  /** Whether this session's client shares tokens with other tabs. */
  get tabSync(): boolean {
    return this.#tabSync;
  }

  activity(id: string): KeyActivity {
    let activity = this.#activity.get(id);
    if (!activity) {
      activity = { tokens: 0, lastRead: undefined, pending: false };
      this.#activity.set(id, activity);
    }
    return activity;
  }

  /** Requests the devserver counted for this session, from every tab of it. */
  get serverCount(): number | undefined {
    return this.#session ? (this.#stats?.bySession[this.#session.sessionId] ?? 0) : undefined;
  }

  // ---- Actions ------------------------------------------------------------------------------

  async signIn(userId: string): Promise<void> {
    try {
      const session = await this.#deps.api.signIn(userId.trim() || 'user_dev');
      this.#deps.store.save(session);
      this.#startSession(session, `dev sign-in as ${session.userId}`);
    } catch (error) {
      this.#deps.log.page('sign-in failed', describeFailure(error), 'error');
      this.#changed();
    }
  }

  async signOut(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#signOutIntent = 'You signed out.';
    try {
      await this.#deps.api.endSession(session.sessionId);
    } catch (error) {
      this.#deps.log.page('sign-out request failed', `${describeFailure(error)} · signed out locally`, 'warn');
    }
    // Another session was started meanwhile (another tab signed in): it is not this one to end.
    if (this.#session !== null && this.#session !== session) return;
    this.#client?.clear();
    this.#enterSignedOut('You signed out.', 'signed out', 'session ended on the server, cache cleared');
  }

  async revoke(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      await this.#deps.api.revokeSession(session.sessionId);
      const next = this.#nextRequestIn();
      const when = next === undefined ? 'at its next token request' : `at its next token request (in ${duration(next)})`;
      this.#deps.log.page('session revoked', `on the server; the client finds out ${when}`, 'warn');
    } catch (error) {
      this.#deps.log.page('revoke failed', describeFailure(error), 'error');
    }
    this.#changed();
  }

  /** `getToken()` for the default key, timed in the page. */
  async callGetToken(): Promise<void> {
    const client = this.#client;
    const session = this.#session;
    const key = DEMO_KEYS[0] as DemoKey;
    if (!client || !session) return;
    const result = await timedRead(client, key.key);
    // Signed out meanwhile: the answer belongs to a session the page no longer shows.
    if (client !== this.#client || session !== this.#session) return;
    this.#counters.countRead(result);
    this.#lastCall = { n: ++this.#calls, result, at: Date.now() };
    this.#deps.log.page('getToken()', describeCall(result), result.outcome === 'error' ? 'error' : result.outcome === 'signed-out' ? 'warn' : 'ok', key.label);
    this.#noteRead(key, result, false);
  }

  setBrowserOffline(offline: boolean): void {
    this.#deps.network.setSimulatedOffline(offline);
    this.#deps.log.page(offline ? 'went offline' : 'back online', offline ? 'simulated: navigator.onLine is treated as false' : 'simulated offline ended', offline ? 'warn' : 'ok');
    this.#changed();
  }

  setServerUnreachable(on: boolean): Promise<void> {
    return this.#applyFaults({ dropRate: on ? 1 : 0 }, on ? 'server unreachable: every token request is dropped' : 'server reachable again');
  }

  setServerErrors(on: boolean): Promise<void> {
    return this.#applyFaults({ errorRate: on ? 1 : 0, errorStatus: 503 }, on ? 'every token request answers 503' : '503 errors off');
  }

  setRateLimited(on: boolean): Promise<void> {
    return this.#applyFaults({ rateLimitRate: on ? 1 : 0 }, on ? 'every token request answers 429 + Retry-After' : '429 rate limit off');
  }

  setLatency(ms: number): Promise<void> {
    return this.#applyFaults({ latencyMs: ms }, ms > 0 ? `token requests take ${duration(ms)}` : 'latency off');
  }

  setClockOffset(ms: number): Promise<void> {
    const text = ms === 0 ? 'server clock back in sync' : `server clock ${ms > 0 ? 'ahead' : 'behind'} by ${duration(Math.abs(ms))}`;
    return this.#applyFaults({ clockOffsetMs: ms }, text);
  }

  async resetFaults(): Promise<void> {
    try {
      this.#faults = await this.#deps.api.resetFaults();
      this.#deps.log.page('faults reset', 'the token server behaves normally', 'ok');
    } catch (error) {
      this.#deps.log.page('fault change failed', describeFailure(error), 'error');
    }
    this.#changed();
  }

  openAnotherTab(): void {
    this.#deps.openTab();
    this.#deps.log.page('opened another tab', this.tabSync ? 'tabs share tokens (broadcastCoordinator)' : 'same session; each tab refreshes on its own');
    this.#changed();
  }

  selectKey(id: string): void {
    this.#selectedKey = id;
    this.#changed();
  }

  // ---- Internals ----------------------------------------------------------------------------

  #startSession(session: DemoSession, how: string): void {
    this.#dropClient();
    this.#session = session;
    this.#signOutIntent = undefined;
    this.#tokenServer = 'unknown';
    this.#counters = new DemoCounters();
    this.#activity.clear();
    this.#lastCall = undefined;
    const counters = this.#counters;
    const network = this.#deps.network;
    const coordinator = this.#deps.coordinator?.(session);
    this.#tabSync = coordinator !== undefined;
    const client = createTokenClient({
      fetchToken: httpTokenSource({
        baseUrl: this.#deps.baseUrl,
        sessionId: session.sessionId,
        credentials: 'same-origin',
        fetch: countingFetch({
          onRequest: () => counters.countRequest(),
          onSettled: (answered) => {
            if (this.#session === session) this.#tokenServer = answered ? 'answering' : 'unreachable';
          },
          isBlocked: () => network.simulatedOffline,
        }),
      }),
      network,
      foregroundRetryBudget: FOREGROUND_BUDGET,
      ...(coordinator ? { coordinator } : {}),
    });
    this.#client = client;
    this.#unsubscribeClient = client.subscribe((event) => this.#onEvent(client, event));
    this.#deps.log.page('signed in', `${how} · session ${session.sessionId}`, 'ok');
    this.#readAll();
    this.#changed();
  }

  #dropClient(): void {
    this.#unsubscribeClient?.();
    this.#unsubscribeClient = undefined;
    this.#client?.destroy();
    this.#client = undefined;
  }

  #onEvent(client: TokenClient, event: TokenEvent): void {
    if (client !== this.#client) return;
    this.#deps.log.add(describeEvent(event, event.type === 'fetch-start' ? { untilExpiry: untilExpiry(client, event.key) } : {}));
    if (event.type === 'fetch-error') this.#counters.countFailedRequest();
    if (event.type === 'token') {
      const key = findDemoKey(event.key);
      if (key) this.activity(key.id).tokens++;
    }
    if (event.type === 'cleared') this.#clearedRemotely = event.origin === 'remote';
    if (event.type === 'signed-out' && this.#session) {
      const reason =
        this.#signOutIntent ??
        (this.#clearedRemotely ? 'Another tab of this session signed out, or found the session revoked.' : 'The session was revoked or ended: getToken() resolved null.');
      this.#enterSignedOut(reason, 'signed-out state', 'the page stopped reading');
    }
    this.#changed();
  }

  #readAll(): void {
    if (!this.#client || !this.#session) return;
    for (const key of DEMO_KEYS) void this.#readKey(key);
  }

  async #readKey(key: DemoKey): Promise<void> {
    const client = this.#client;
    const activity = this.activity(key.id);
    if (!client || activity.pending) return;
    activity.pending = true;
    const result = await timedRead(client, key.key);
    activity.pending = false;
    if (client !== this.#client) return;
    this.#counters.countRead(result);
    this.#noteRead(key, result, true);
  }

  /** Records a read; logs a rejection only when it differs from the key's previous outcome. */
  #noteRead(key: DemoKey, result: ReadResult, quietRepeats: boolean): void {
    const activity = this.activity(key.id);
    const previous = activity.lastRead;
    activity.lastRead = { ...result, at: Date.now() };
    if (result.outcome === 'error' && quietRepeats) {
      const repeated = previous?.outcome === 'error' && errorName(previous.error) === errorName(result.error);
      if (!repeated) this.#deps.log.page('getToken() rejected', `${describeError(result.error)} after ${callTime(result.ms)}`, 'error', key.label);
    }
    if (result.outcome === 'signed-out' && this.#session) {
      this.#enterSignedOut(this.#signOutIntent ?? 'The session was revoked or ended: getToken() resolved null.', 'signed-out state', 'the page stopped reading');
    }
    this.#changed();
  }

  #enterSignedOut(reason: string, title: string, detail: string): void {
    if (!this.#session) return;
    const stored = this.#deps.store.load();
    if (stored?.sessionId === this.#session.sessionId) this.#deps.store.clear();
    this.#session = null;
    this.#signedOutReason = reason;
    // What "Call getToken() now" showed belongs to the session that just ended.
    this.#lastCall = undefined;
    this.#deps.log.page(title, detail, 'warn');
    this.#changed();
  }

  #adoptFromOtherTab(next: DemoSession | null): void {
    if (next && next.sessionId !== this.#session?.sessionId) {
      this.#startSession(next, 'signed in from another tab');
    } else if (!next && this.#session) {
      this.#signOutIntent = 'Signed out in another tab.';
      this.#client?.clear();
      this.#enterSignedOut('Signed out in another tab.', 'signed out', 'by another tab of this page');
    }
  }

  async #applyFaults(patch: Partial<ServerFaults>, description: string): Promise<void> {
    try {
      this.#faults = await this.#deps.api.setFaults(patch);
      this.#deps.log.page('fault', description, patch.dropRate || patch.errorRate || patch.rateLimitRate ? 'warn' : 'info');
    } catch (error) {
      this.#deps.log.page('fault change failed', describeFailure(error), 'error');
    }
    this.#changed();
  }

  async #poll(): Promise<void> {
    // Without network every poll would fail (and Chromium logs each failed request as a console
    // error); the devserver's state cannot have been changed by this page meanwhile anyway.
    if (!this.#deps.network.browserOnline()) return;
    try {
      const [faults, stats] = await Promise.all([this.#deps.api.faults(), this.#deps.api.stats()]);
      this.#faults = faults;
      this.#stats = stats;
      this.#controlReachable = true;
    } catch {
      this.#controlReachable = false;
    }
    this.#changed();
  }

  /** ms until the earliest planned refresh of any key, on the server-corrected clock. */
  #nextRequestIn(): number | undefined {
    const snapshot = this.#client?.snapshot();
    if (!snapshot) return undefined;
    const due = snapshot.entries.map((entry) => entry.refreshAt).filter((at): at is number => at !== undefined);
    return due.length === 0 ? undefined : Math.max(0, Math.min(...due) - snapshot.now);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

/** "token (cache hit) in 0.12 ms" and friends. */
export function describeCall(result: ReadResult): string {
  const took = callTime(result.ms);
  if (result.outcome === 'token') return `token (${result.cacheHit ? 'cache hit' : 'fetched'}) in ${took}`;
  if (result.outcome === 'signed-out') return `null (signed out) in ${took}`;
  return `${describeError(result.error)} in ${took}`;
}

/** ms until the key's cached token expires (server-corrected clock), if it has one. */
function untilExpiry(client: TokenClient, key: TokenKey): number | undefined {
  const snapshot = client.snapshot();
  const entry = snapshot.entries.find((candidate) => sameKey(candidate.key, key));
  return entry?.expiresAt === undefined ? undefined : entry.expiresAt - snapshot.now;
}

function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'DevserverError') return error.message;
  return describeError(error);
}

