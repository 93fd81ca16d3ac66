import { OfflineError, TokenError, TokenFetchError } from './errors';
import { AttemptTimeout, BACKGROUND_BACKOFF, FOREGROUND_BACKOFF, backoffDelay, classifyFailure } from './retry';
import { type Nap, sleep } from './timers';
import type { TimerProvider } from './types';

interface Waiter {
  resolve(token: string | null): void;
  reject(error: unknown): void;
  /** Latest time (on `now()`) at which another attempt may still be worth waiting for. */
  deadline: number;
}

export interface FlightDeps {
  now(): number;
  timers: TimerProvider;
  random(): number;
  requestTimeout: number;
  isOnline(): boolean;
  /** The network cannot be observed and recently failed: callers get one attempt, not a retry budget. */
  suspectOffline(): boolean;
  /** One request. Resolves with the token to hand out, or null when the session is signed out. */
  attempt(signal: AbortSignal): Promise<string | null>;
  /** Until when background retries are worth it (the cached token's expiry), or -Infinity. */
  backgroundUntil(): number;
  onSignedOut(): void;
  onFailure(error: unknown, willRetry: boolean, retryIn: number | undefined, offlineAnswered: boolean): void;
  onSettled(): void;
}

/**
 * One refresh of one key: the only request in flight for it, shared by every caller who needs a
 * token, and retried by policy. Callers (waiters) each carry their own deadline; with none, the
 * flight is a background refresh that retries, slower, until the cached token expires.
 */
export class Flight {
  readonly #deps: FlightDeps;
  readonly #waiters = new Set<Waiter>();
  #controller: AbortController | undefined;
  #nap: { nap: Nap; serverGiven: boolean; wakeAt: number } | undefined;
  #lastError: unknown;
  #attempt = 0;
  #cancelled = false;
  #done = false;
  #deadlineTimer: unknown;
  #deadlineAt = Number.POSITIVE_INFINITY;

  constructor(deps: FlightDeps) {
    this.#deps = deps;
  }

  start(): void {
    void this.#run();
  }

  /** Adds a caller. A caller waiting wakes a background flight that is only pacing itself. */
  join(waiter: Waiter): void {
    if (this.#cancelled) {
      waiter.resolve(null);
      return;
    }
    if (this.#done) throw new Error('tokenwarden: internal error, joined a finished flight');
    const nap = this.#nap;
    if (nap && nap.serverGiven && nap.wakeAt > waiter.deadline) {
      // The server told us when to come back, and it is past this caller's budget.
      waiter.reject(this.#lastError);
      return;
    }
    this.#waiters.add(waiter);
    if (waiter.deadline < this.#deadlineAt) this.#armDeadline(waiter.deadline);
    if (nap && this.#waiters.size === 1) {
      if (nap.serverGiven) {
        nap.nap.hold();
      } else {
        this.#attempt = 0;
        nap.nap.cancel();
      }
    }
  }

  /** The network went away: callers learn it now instead of after the retry budget. */
  networkLost(): void {
    this.#rejectAll(new OfflineError('The network is offline', { cause: this.#lastError }));
    this.#nap?.nap.cancel();
  }

  /** The network is back or the app woke up: stop pacing and try now. */
  wake(): void {
    if (this.#nap && !this.#nap.serverGiven) {
      this.#attempt = 0;
      this.#nap.nap.cancel();
    }
  }

  /** `clear()`: abort the request, hand callers `null`, and let nothing through afterwards. */
  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#controller?.abort(new TokenError('aborted', 'Token fetch aborted by clear()'));
    this.#nap?.nap.cancel();
    for (const waiter of this.#waiters) waiter.resolve(null);
    this.#waiters.clear();
    this.#disarmDeadline();
  }

  async #run(): Promise<void> {
    const deps = this.#deps;
    while (!this.#cancelled) {
      if (!deps.isOnline()) {
        this.networkLost();
        break;
      }
      let token: string | null;
      try {
        token = await this.#attemptOnce();
      } catch (error) {
        if (this.#cancelled) break;
        if (await this.#recover(error)) continue;
        break;
      }
      if (this.#cancelled) break;
      if (token === null) {
        // Signing out cancels this flight, which hands every waiter `null`.
        deps.onSignedOut();
        break;
      }
      this.#finish((waiter) => waiter.resolve(token));
      return;
    }
    this.#finish((waiter) => waiter.resolve(null));
  }

  /**
   * Ends the flight. The owner forgets it before any waiter hears the outcome, so a caller that
   * resumes on that outcome and asks again starts a new flight instead of joining a finished one.
   */
  #finish(settle: (waiter: Waiter) => void): void {
    if (this.#done) return;
    this.#done = true;
    this.#disarmDeadline();
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    if (!this.#cancelled) this.#deps.onSettled();
    for (const waiter of waiters) settle(waiter);
  }

  /** Decides what a failure means; true to try again after pacing. */
  async #recover(error: unknown): Promise<boolean> {
    const deps = this.#deps;
    const failure = classifyFailure(error);
    if (failure.kind === 'signed-out') {
      deps.onSignedOut();
      return false;
    }
    if (failure.kind === 'final' || failure.kind === 'bug') {
      deps.onFailure(failure.error, false, undefined, false);
      this.#finish((waiter) => waiter.reject(failure.error));
      return false;
    }
    this.#lastError = failure.error;
    const answer = failure.kind === 'network' ? new OfflineError(undefined, { cause: failure.error }) : failure.error;
    const serverDelay = failure.kind === 'server' ? failure.error.retryAfter : undefined;
    const policy = this.#waiters.size > 0 ? FOREGROUND_BACKOFF : BACKGROUND_BACKOFF;
    const delay = serverDelay ?? backoffDelay(policy, this.#attempt++, deps.random);
    const retryAt = deps.now() + delay;
    const giveUpNow = failure.kind === 'network' && deps.suspectOffline();
    let answeredOffline = false;
    for (const waiter of [...this.#waiters]) {
      if (giveUpNow || retryAt >= waiter.deadline) {
        this.#waiters.delete(waiter);
        waiter.reject(answer);
        answeredOffline ||= failure.kind === 'network';
      }
    }
    const willRetry = this.#waiters.size > 0 || retryAt < deps.backgroundUntil();
    deps.onFailure(answer, willRetry, willRetry ? delay : undefined, answeredOffline);
    if (!willRetry) return false;
    const nap = sleep(deps.timers, delay, this.#waiters.size === 0);
    this.#nap = { nap, serverGiven: serverDelay !== undefined, wakeAt: retryAt };
    await nap.done;
    this.#nap = undefined;
    return !this.#cancelled;
  }

  async #attemptOnce(): Promise<string | null> {
    const deps = this.#deps;
    const controller = new AbortController();
    this.#controller = controller;
    const timeout = deps.timers.setTimeout(() => controller.abort(new AttemptTimeout(deps.requestTimeout)), deps.requestTimeout);
    let onAbort: (() => void) | undefined;
    // A source that ignores its signal must still not hold the key hostage.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(controller.signal.reason);
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([deps.attempt(controller.signal), aborted]);
    } finally {
      deps.timers.clearTimeout(timeout);
      if (onAbort) controller.signal.removeEventListener('abort', onAbort);
      aborted.catch(() => undefined);
      this.#controller = undefined;
    }
  }

  #rejectAll(error: unknown): void {
    for (const waiter of this.#waiters) waiter.reject(error);
    this.#waiters.clear();
    this.#disarmDeadline();
  }

  /** What a caller whose budget ran out hears: the last failure, as the caller-facing error. */
  #budgetAnswer(): unknown {
    const last = this.#lastError;
    if (TokenFetchError.is(last)) return last;
    return new OfflineError('No token within the retry budget', { cause: last ?? new AttemptTimeout(this.#deps.requestTimeout) });
  }

  /**
   * One timer for the earliest caller deadline, so a slow attempt cannot keep a caller past its
   * budget. Callers join with `now + budget`, so insertion order is deadline order in practice.
   */
  #armDeadline(at: number): void {
    this.#disarmDeadline();
    if (!Number.isFinite(at)) return;
    this.#deadlineAt = at;
    this.#deadlineTimer = this.#deps.timers.setTimeout(() => {
      this.#deadlineTimer = undefined;
      this.#deadlineAt = Number.POSITIVE_INFINITY;
      const now = this.#deps.now();
      let next = Number.POSITIVE_INFINITY;
      for (const waiter of [...this.#waiters]) {
        if (waiter.deadline <= now) {
          this.#waiters.delete(waiter);
          waiter.reject(this.#budgetAnswer());
        } else {
          next = Math.min(next, waiter.deadline);
        }
      }
      this.#armDeadline(next);
    }, Math.max(0, at - this.#deps.now()));
  }

  #disarmDeadline(): void {
    if (this.#deadlineTimer !== undefined) this.#deps.timers.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#deadlineAt = Number.POSITIVE_INFINITY;
  }
}
