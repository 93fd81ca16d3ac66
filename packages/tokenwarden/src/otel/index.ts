/**
 * `tokenwarden/otel`: OpenTelemetry metrics and spans for a token client. Needs the optional peer
 * `@opentelemetry/api`; without an SDK registered everything here is a no-op.
 *
 * @packageDocumentation
 */
export { instrumentTokenClient } from './instrument';
export type { TokenTelemetryOptions } from './instrument';
