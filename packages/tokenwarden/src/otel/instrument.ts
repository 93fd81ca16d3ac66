import { type Attributes, type Meter, type Span, SpanKind, SpanStatusCode, type Tracer, metrics, trace } from '@opentelemetry/api';
import type { TokenClient } from '../client';
import { keyId } from '../keys';
import type { FetchReason, GetTokenOptions, TokenEvent, TokenKey } from '../types';

/** Options of {@link instrumentTokenClient}. */
export interface TokenTelemetryOptions {
  /** @default metrics.getMeter('tokenwarden') (the globally registered MeterProvider) */
  meter?: Meter;
  /** @default trace.getTracer('tokenwarden') (the globally registered TracerProvider) */
  tracer?: Tracer;
  /**
   * The `tokenwarden.key_class` attribute of a key: keep it low-cardinality (never a user or
   * organisation id, never anything secret). @default key => key.template ?? 'default'
   */
  keyClass?: (key: TokenKey) => string;
  /** Milliseconds for durations. @default performance.now */
  now?: () => number;
}

/** A request to the token source in progress: from `fetch-start` to its token or error. */
interface Pending {
  readonly startedAt: number;
  readonly attributes: Attributes;
  readonly span: Span;
}

const DEFAULT_KEY: TokenKey = {};

function errorType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && /^[\w.-]{1,64}$/.test(code) ? `${error.name}:${code}` : error.name;
  }
  return typeof error;
}

/** `operation` of a RedisCoordinatorError (claim, publish, ...), if it is one; a fixed vocabulary. */
function coordinatorOperation(error: unknown): string | undefined {
  const operation = (error as { operation?: unknown } | null)?.operation;
  return typeof operation === 'string' && /^[a-z]{1,32}$/.test(operation) ? operation : undefined;
}

/**
 * Turns a token client's events into OpenTelemetry metrics and spans, and returns the same client
 * with `getToken()` measured (cache hits, misses, latency). Use the returned client in place of the
 * original; `destroy()` on it also stops the instrumentation.
 *
 * Metrics (attribute `tokenwarden.key_class` from `keyClass`):
 * - `tokenwarden.token.requests` (counter): requests to the token source, by `tokenwarden.reason`
 *   (cold, refresh, forced, expired) and `tokenwarden.outcome` (success, error, shared — another
 *   participant delivered while this one waited —, aborted — a sign-out ended it);
 * - `tokenwarden.token.request.duration` (histogram, s): how long those took;
 * - `tokenwarden.token.shared` (counter): tokens adopted from a coordinator (tabs, fleet);
 * - `tokenwarden.get_token.calls` (counter) by `tokenwarden.result` (hit, miss, null, error) and
 *   `tokenwarden.get_token.duration` (histogram, s);
 * - `tokenwarden.coordinator.degraded` / `tokenwarden.coordinator.recovered` (counters, with
 *   `error.type` and `tokenwarden.operation`) and `tokenwarden.coordinator.degraded.active`
 *   (up-down counter: 1 while the coordinator is degraded);
 * - `tokenwarden.clock.offset` (gauge, ms): the learned server − local clock difference.
 *
 * Spans: one `tokenwarden.fetch_token` span per request to the token source (internal kind), from
 * its start to its token or error, with the key class, reason and outcome. Never an attribute
 * carries a token, a claim, a key's organisation or an error message: only error types and codes.
 *
 * @example
 * import { instrumentTokenClient } from 'tokenwarden/otel';
 * const client = instrumentTokenClient(createTokenClient({ fetchToken }));
 */
export function instrumentTokenClient(client: TokenClient, options: TokenTelemetryOptions = {}): TokenClient {
  const meter = options.meter ?? metrics.getMeter('tokenwarden');
  const tracer = options.tracer ?? trace.getTracer('tokenwarden');
  const keyClass = options.keyClass ?? ((key: TokenKey) => key.template ?? 'default');
  const now = options.now ?? (() => performance.now());
  const classOf = (key: TokenKey | undefined): string => {
    try {
      return String(keyClass(key ?? DEFAULT_KEY));
    } catch {
      return 'unknown';
    }
  };

  const requests = meter.createCounter('tokenwarden.token.requests', { description: 'Requests to the token source', unit: '{request}' });
  const requestDuration = meter.createHistogram('tokenwarden.token.request.duration', {
    description: 'Duration of requests to the token source',
    unit: 's',
  });
  const shared = meter.createCounter('tokenwarden.token.shared', { description: 'Tokens adopted from a coordinator', unit: '{token}' });
  const calls = meter.createCounter('tokenwarden.get_token.calls', { description: 'getToken() calls', unit: '{call}' });
  const callDuration = meter.createHistogram('tokenwarden.get_token.duration', { description: 'Duration of getToken() calls', unit: 's' });
  const degraded = meter.createCounter('tokenwarden.coordinator.degraded', { description: 'Coordinator outages', unit: '{event}' });
  const recovered = meter.createCounter('tokenwarden.coordinator.recovered', { description: 'Coordinator recoveries', unit: '{event}' });
  const degradedActive = meter.createUpDownCounter('tokenwarden.coordinator.degraded.active', {
    description: '1 while the coordinator is degraded',
  });
  const offset = meter.createObservableGauge('tokenwarden.clock.offset', { description: 'Learned server - local clock difference', unit: 'ms' });
  const observeOffset = (result: { observe(value: number): void }) => {
    if (!client.destroyed) result.observe(client.snapshot().serverOffset);
  };
  offset.addCallback(observeOffset);

  const pending = new Map<string, Pending>();
  let isDegraded = false;

  const settle = (id: string, outcome: string, error?: unknown) => {
    const request = pending.get(id);
    if (!request) return;
    pending.delete(id);
    const attributes: Attributes = { ...request.attributes, 'tokenwarden.outcome': outcome };
    if (error !== undefined) attributes['error.type'] = errorType(error);
    requests.add(1, attributes);
    requestDuration.record((now() - request.startedAt) / 1000, attributes);
    request.span.setAttributes(attributes);
    if (outcome === 'error') request.span.setStatus({ code: SpanStatusCode.ERROR });
    request.span.end();
  };

  const onEvent = (event: TokenEvent) => {
    switch (event.type) {
      case 'fetch-start': {
        const id = keyId(event.key);
        // A new flight for a key whose previous one never settled (aborted without an event).
        settle(id, 'aborted');
        const attributes: Attributes = { 'tokenwarden.key_class': classOf(event.key), 'tokenwarden.reason': event.reason as FetchReason };
        const span = tracer.startSpan('tokenwarden.fetch_token', { kind: SpanKind.INTERNAL, attributes });
        pending.set(id, { startedAt: now(), attributes, span });
        return;
      }
      case 'token': {
        const id = keyId(event.key);
        if (event.origin === 'coordinator') {
          shared.add(1, { 'tokenwarden.key_class': classOf(event.key) });
          settle(id, 'shared');
        } else {
          settle(id, 'success');
        }
        return;
      }
      case 'fetch-error':
        settle(keyId(event.key), 'error', event.error);
        return;
      case 'signed-out':
        if (event.key) settle(keyId(event.key), 'aborted');
        else for (const id of [...pending.keys()]) settle(id, 'aborted');
        return;
      case 'cleared':
        for (const id of [...pending.keys()]) settle(id, 'aborted');
        return;
      case 'coordinator-degraded': {
        const operation = coordinatorOperation(event.error);
        degraded.add(1, { 'error.type': errorType(event.error), ...(operation ? { 'tokenwarden.operation': operation } : {}) });
        if (!isDegraded) {
          isDegraded = true;
          degradedActive.add(1);
        }
        return;
      }
      case 'coordinator-recovered':
        recovered.add(1);
        if (isDegraded) {
          isDegraded = false;
          degradedActive.add(-1);
        }
        return;
      default:
        return;
    }
  };
  const unsubscribe = client.subscribe(onEvent);

  const stop = () => {
    unsubscribe();
    offset.removeCallback(observeOffset);
    for (const id of [...pending.keys()]) settle(id, 'aborted');
    if (isDegraded) {
      isDegraded = false;
      degradedActive.add(-1);
    }
  };

  const getToken = async (getOptions?: GetTokenOptions): Promise<string | null> => {
    const key: TokenKey = getOptions ?? DEFAULT_KEY;
    // Served from the cache exactly when a servable token is there and the call does not skip it.
    let hit = false;
    try {
      hit = !getOptions?.skipCache && client.peekToken({ template: key.template, organizationId: key.organizationId, audience: key.audience }) !== null;
    } catch {
      hit = false;
    }
    const startedAt = now();
    const attributes: Attributes = { 'tokenwarden.key_class': classOf(key) };
    try {
      const token = await client.getToken(getOptions);
      attributes['tokenwarden.result'] = token === null ? 'null' : hit ? 'hit' : 'miss';
      return token;
    } catch (error) {
      attributes['tokenwarden.result'] = 'error';
      attributes['error.type'] = errorType(error);
      throw error;
    } finally {
      calls.add(1, attributes);
      callDuration.record((now() - startedAt) / 1000, attributes);
    }
  };

  return {
    getToken,
    peekToken: (key) => client.peekToken(key),
    subscribe: (listener) => client.subscribe(listener),
    clear: () => client.clear(),
    destroy: () => {
      stop();
      client.destroy();
    },
    isOnline: () => client.isOnline(),
    snapshot: () => client.snapshot(),
    get destroyed() {
      return client.destroyed;
    },
  };
}
