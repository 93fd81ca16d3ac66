import { InvalidTokenError, OfflineError, TokenError, TokenFetchError } from './errors';
import { AttemptTimeout, BACKGROUND_BACKOFF, FOREGROUND_BACKOFF, backoffFloor, classifyFailure, retryDelay, serverDelayOf } from './retry';
import { type Nap, sleep } from './timers';
import type { TimerProvider } from './types';

interface Waiter {
  resolve(token: string | null): void;
  reject(error: unknown): void;
  /** Latest time (on `now()`) at which another attempt may still be worth waiting for. */
  deadline: number;
}

/** The closest two requests for one key can ever be, ms: the floor of the first foreground retry. */
export const MIN_ATTEMPT_GAP = backoffFloor(FOREGROUND_BACKOFF, 0);

/**
 * When the next request for one key may start. Outlives flights, so a caller who asks again right
 * after a flight gave up (or an event listener that does) cannot start requests faster than the
 * policy allows: a new flight starts where the last one left off.
 */
export class Pacer {
  /** Local time before which no attempt starts. */
  nextAt = Number.NEGATIVE_INFINITY;
  /** Local time the last attempt ended. */
  lastEndedAt = Number.NEGATIVE_INFINITY;
  /** `nextAt` was set by the server (`Retry-After`): a waiting caller cannot shorten it. */
  serverGiven = false;
  /** The failure behind a server-given wait, for callers who cannot wait that long. */
  serverError: unknown;

  /** Someone needs a token now: wait no longer than the minimum gap, unless the server said so. */
  hurry(): void {
    if (this.serverGiven) return;
    const soonest = this.lastEndedAt + MIN_ATTEMPT_GAP;
    // Stryker disable next-line EqualityOperator: when soonest equals nextAt, `<=` writes the value already there
    if (soonest < this.nextAt) this.nextAt = soonest;
  }
}

export interface FlightDeps {
  /** Local monotonic ms. */
  now(): number;
  /** The server's clock (for `Retry-After` HTTP-dates). */
  serverNow(): number;
  timers: TimerProvider;
  random(): number;
  requestTimeout: number;
  pacer: Pacer;
  isOnline(): boolean;
  /** The network cannot be observed and recently failed: callers get one attempt, not a retry budget. */
  suspectOffline(): boolean;
  /**
   * One request. Resolves with the token to hand out, or null when the session is signed out.
   * Calls `requestStarts` as the request goes out: `requestTimeout` counts from there.
   */
  attempt(signal: AbortSignal, requestStarts: () => void): Promise<string | null>;
  /**
   * How long an attempt may take before its request goes out, ms: the coordinator's turn (a fleet
   * spreading a refresh wave, a holder finishing its fetch), which the coordinator bounds itself;
   * this only stops one that never answers.
   */
  waitBound(): number;
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
 *
 * Every way a flight ends settles its owner first and its waiters after, so a caller who resumes on
 * the outcome and asks again starts a new flight rather than joining one that has decided to stop.
 * A flight resolves `null` only when the session signed out (`cancel()`).
 */
export class Flight {
  readonly #deps: FlightDeps;
  readonly #waiters = new Set<Waiter>();
  #controller: AbortController | undefined;
  #nap: Nap | undefined;
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

  /** Adds a caller. A caller waiting hurries a background flight that is only pacing itself. */
  join(waiter: Waiter): void {
    if (this.#cancelled) {
      waiter.resolve(null);
      return;
    }
    if (this.#done) throw new Error('tokenwarden: internal error, joined a finished flight');
    const pacer = this.#deps.pacer;
    if (pacer.serverGiven && pacer.nextAt > waiter.deadline) {
      // The server told us when to come back, and it is past this caller's budget.
      waiter.reject(pacer.serverError ?? this.#lastError);
      return;
    }
    this.#waiters.add(waiter);
    // Someone awaits the nap now: in Node it must keep the process alive.
    this.#nap?.hold();
    if (waiter.deadline < this.#deadlineAt) this.#armDeadline(waiter.deadline);
    if (this.#waiters.size === 1) {
      if (this.#nap && !pacer.serverGiven) this.#attempt = 0;
      this.#hurry();
    }
  }

  /** The network went away: callers learn it now instead of after the retry budget. */
  networkLost(): void {
    this.#rejectAll(new OfflineError('The network is offline', { cause: this.#lastError }));
    this.#nap?.cancel();
  }

  /** The network is back or the app woke up: stop pacing and try as soon as the policy allows. */
  wake(): void {
    if (this.#deps.pacer.serverGiven) return;
    this.#attempt = 0;
    this.#hurry();
  }

  /** `clear()`: abort the request, hand callers `null`, and let nothing through afterwards. */
  cancel(): void {
    // Stryker disable next-line ConditionalExpression: a second cancel() has nothing left to do: the request is already aborted (aborting again is a no-op), the nap cancelled, no caller can join a cancelled flight, and the loop starts nothing once cancelled
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#controller?.abort(new TokenError('aborted', 'Token fetch aborted by clear()'));
    this.#nap?.cancel();
    for (const waiter of this.#waiters) waiter.resolve(null);
    this.#waiters.clear();
    this.#disarmDeadline();
  }

  #hurry(): void {
    const pacer = this.#deps.pacer;
    const before = pacer.nextAt;
    pacer.hurry();
    if (pacer.nextAt < before) this.#nap?.cancel();
  }

  async #run(): Promise<void> {
    const deps = this.#deps;
    while (!this.#cancelled) {
      if (!deps.isOnline()) {
        this.networkLost();
        break;
      }
      const wait = deps.pacer.nextAt - deps.now();
      if (wait > 0) {
        // Woken early (a caller joined, the network came back): the loop re-reads the pacer.
        await this.#pace(wait);
        continue;
      }
      let token: string | null;
      try {
        token = await this.#attemptOnce();
      } catch (error) {
        if (this.#cancelled) break;
        if (this.#recover(error)) continue;
        return;
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
    // Cancelled (signed out): waiters already have `null`. Offline: they have an OfflineError, and
    // anyone who joined since gets the same.
    this.#finish((waiter) => (this.#cancelled ? waiter.resolve(null) : waiter.reject(this.#budgetAnswer())));
  }

  /**
   * Ends the flight. The owner forgets it before any waiter hears the outcome, so a caller that
   * resumes on that outcome and asks again starts a new flight instead of joining a finished one.
   */
  #finish(settle: (waiter: Waiter) => void): void {
    // Stryker disable next-line ConditionalExpression: #run (started once) reaches #finish at most once, each call being followed by a return; cancel() never calls it
    if (this.#done) return;
    this.#done = true;
    this.#disarmDeadline();
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    if (!this.#cancelled) this.#deps.onSettled();
    for (const waiter of waiters) settle(waiter);
  }

  /**
   * Decides what a failure means: true to try again (the pacer says when). Decides before it
   * tells anyone: a flight that stops is settled before its callers (or an event listener) hear.
   */
  #recover(error: unknown): boolean {
    const deps = this.#deps;
    const failure = classifyFailure(error, deps.serverNow());
    if (failure.kind === 'signed-out') {
      deps.onSignedOut();
      if (!this.#cancelled) this.#finish((waiter) => waiter.resolve(null));
      return false;
    }
    if (failure.kind === 'final' || failure.kind === 'bug') {
      this.#finish((waiter) => waiter.reject(failure.error));
      deps.onFailure(failure.error, false, undefined, false);
      return false;
    }
    this.#lastError = failure.error;
    const answer = failure.kind === 'network' ? new OfflineError(undefined, { cause: failure.error }) : failure.error;
    const serverDelay = failure.kind === 'server' ? serverDelayOf(failure.error, deps.serverNow()) : undefined;
    const policy = this.#waiters.size > 0 ? FOREGROUND_BACKOFF : BACKGROUND_BACKOFF;
    const delay = retryDelay(policy, this.#attempt++, deps.random, serverDelay);
    const now = deps.now();
    const retryAt = now + delay;
    const pacer = deps.pacer;
    pacer.nextAt = retryAt;
    pacer.serverGiven = serverDelay !== undefined && serverDelay >= delay;
    pacer.serverError = pacer.serverGiven ? answer : undefined;
    const giveUpNow = failure.kind === 'network' && deps.suspectOffline();
    const leaving = [...this.#waiters].filter((waiter) => giveUpNow || retryAt >= waiter.deadline);
    const willRetry = leaving.length < this.#waiters.size || retryAt < deps.backgroundUntil();
    const answeredOffline = failure.kind === 'network' && leaving.length > 0;
    if (!willRetry) {
      this.#finish((waiter) => waiter.reject(answer));
      deps.onFailure(answer, false, undefined, answeredOffline);
      return false;
    }
    for (const waiter of leaving) {
      this.#waiters.delete(waiter);
      waiter.reject(answer);
    }
    deps.onFailure(answer, true, delay, answeredOffline);
    return !this.#cancelled;
  }

  /** Sleeps until the pacer allows the next attempt, or until woken. Keeps Node alive only for callers. */
  async #pace(ms: number): Promise<void> {
    const nap = sleep(this.#deps.timers, ms, this.#waiters.size === 0);
    this.#nap = nap;
    await nap.done;
    if (this.#nap === nap) this.#nap = undefined;
  }

  async #attemptOnce(): Promise<string | null> {
    const deps = this.#deps;
    const controller = new AbortController();
    this.#controller = controller;
    const abortAfter = (ms: number) => deps.timers.setTimeout(() => controller.abort(new AttemptTimeout(ms)), ms);
    let timeout = abortAfter(deps.waitBound());
    let ended = false;
    // The request's own clock starts when it goes out, not while a coordinator spreads a wave.
    const requestStarts = () => {
      if (ended) return;
      deps.timers.clearTimeout(timeout);
      timeout = abortAfter(deps.requestTimeout);
    };
    let onAbort: (() => void) | undefined;
    // A source that ignores its signal must still not hold the key hostage.
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(controller.signal.reason);
      // Stryker disable next-line ObjectLiteral,BooleanLiteral: a signal fires `abort` at most once, and the listener is removed when the attempt ends, so `once` changes nothing
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    const pacer = deps.pacer;
    try {
      const token = await Promise.race([deps.attempt(controller.signal, requestStarts), aborted]);
      // An answer: the next request (a forced refresh, say) owes nothing to the ones before.
      pacer.nextAt = Number.NEGATIVE_INFINITY;
      return token;
    } catch (error) {
      // A failure: whatever follows, no request for this key before the minimum gap.
      pacer.nextAt = deps.now() + MIN_ATTEMPT_GAP;
      throw error;
    } finally {
      ended = true;
      deps.timers.clearTimeout(timeout);
      // Stryker disable next-line ConditionalExpression,StringLiteral: onAbort is always set (a Promise executor runs synchronously), and once the attempt ends nothing can abort this controller (its timer is cleared, #controller dropped), so a listener left behind can never run
      if (onAbort) controller.signal.removeEventListener('abort', onAbort);
      aborted.catch(() => undefined);
      this.#controller = undefined;
      pacer.lastEndedAt = deps.now();
      pacer.serverGiven = false;
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
    if (TokenFetchError.is(last) || InvalidTokenError.is(last)) return last;
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
