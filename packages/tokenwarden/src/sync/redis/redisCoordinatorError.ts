/**
 * What a `coordinator-degraded` event carries when Redis failed or was too slow. Built from the
 * failure's message only: ioredis errors keep the command's arguments (which include the JWT being
 * shared) on a `command` property, so the original error is never passed along as `cause`.
 *
 * @example
 * client.subscribe((event) => {
 *   if (event.type === 'coordinator-degraded' && event.error instanceof RedisCoordinatorError) {
 *     metrics.increment('tokenwarden.redis.degraded', { operation: event.error.operation });
 *   }
 * });
 */
export class RedisCoordinatorError extends Error {
  /** Which step failed: 'claim', 'publish', 'release', 'renew', 'invalidate' or 'subscribe'. */
  readonly operation: string;
  /** True when Redis did not answer within the `timeout` option. */
  readonly timedOut: boolean;

  constructor(operation: string, message: string, timedOut: boolean) {
    super(message);
    this.name = 'RedisCoordinatorError';
    this.operation = operation;
    this.timedOut = timedOut;
  }

  static timeout(operation: string, ms: number): RedisCoordinatorError {
    return new RedisCoordinatorError(operation, `Redis did not answer ${operation} within ${ms} ms`, true);
  }

  static from(operation: string, error: unknown): RedisCoordinatorError {
    if (error instanceof RedisCoordinatorError) return error;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    // Redis error replies are short; a long one is not worth carrying (and could echo input).
    return new RedisCoordinatorError(operation, `Redis ${operation} failed (${detail.slice(0, 160)})`, false);
  }
}
