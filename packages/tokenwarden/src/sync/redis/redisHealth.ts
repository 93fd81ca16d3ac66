import { unrefTimer } from '../../timers';
import type { TimerHandle, TimerProvider, TokenEvent } from '../../types';

/**
 * Whether to talk to Redis right now. After a failure the link works locally for `retryInterval`
 * ms (no call, so no waiting on a dead Redis at all), then tries again. `coordinator-degraded` is
 * reported once per outage, not once per failed call: a fleet of keys would flood listeners, and
 * `coordinator-recovered` once when a call succeeds again.
 */
export class RedisHealth {
  readonly #timers: TimerProvider;
  readonly #retryInterval: number;
  readonly #emit: (event: TokenEvent) => void;
  #degraded = false;
  #resting: TimerHandle | undefined;

  constructor(timers: TimerProvider, retryInterval: number, emit: (event: TokenEvent) => void) {
    this.#timers = timers;
    this.#retryInterval = retryInterval;
    this.#emit = emit;
  }

  /** False while resting after a failure. */
  get available(): boolean {
    return this.#resting === undefined;
  }

  /** True from the first failure until a call succeeds again. */
  get degraded(): boolean {
    return this.#degraded;
  }

  failed(error: unknown): void {
    if (this.#resting === undefined && this.#retryInterval > 0) {
      this.#resting = this.#timers.setTimeout(() => {
        this.#resting = undefined;
      }, this.#retryInterval);
      unrefTimer(this.#resting);
    }
    if (this.#degraded) return;
    this.#degraded = true;
    this.#emit({ type: 'coordinator-degraded', error });
  }

  /** A failure off the `getToken()` path (pub/sub): reported, but no reason to stop calling Redis. */
  warn(error: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    this.#emit({ type: 'coordinator-degraded', error });
  }

  succeeded(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#emit({ type: 'coordinator-recovered' });
  }

  stop(): void {
    if (this.#resting !== undefined) this.#timers.clearTimeout(this.#resting);
    this.#resting = undefined;
  }
}
