import { unrefTimer } from '../../timers';
import type { TimerHandle, TimerProvider } from '../../types';
import { RedisCoordinatorError } from './redisCoordinatorError';

/**
 * Bounds one Redis call: a dead or stalled Redis must never hold a `getToken()` longer than this.
 * The call itself is not cancelled (a client cannot take a command back); its late answer is
 * dropped. `call` is told whether it was abandoned, so it starts no follow-up step after that.
 */
export function withTimeout<T>(
  timers: TimerProvider,
  ms: number,
  operation: string,
  call: (abandoned: () => boolean) => Promise<T>,
): Promise<T> {
  let gaveUp = false;
  const abandoned = () => gaveUp;
  return new Promise<T>((resolve, reject) => {
    let timer: TimerHandle = timers.setTimeout(() => {
      // A busy process may have the answer already waiting in its socket: timers run before I/O
      // in an event-loop turn, so give pending replies one more turn before calling Redis slow.
      timer = timers.setTimeout(() => {
        gaveUp = true;
        reject(RedisCoordinatorError.timeout(operation, ms));
      }, 0);
      unrefTimer(timer);
    }, ms);
    unrefTimer(timer);
    let pending: Promise<T>;
    try {
      pending = call(abandoned);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        timers.clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(timer);
        reject(RedisCoordinatorError.from(operation, error));
      },
    );
  });
}
