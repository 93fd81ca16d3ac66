import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeNetwork, freshJwt, noWake } from '../../test/helpers';
import { createTokenClient } from '../client';
import type { Coordinator, CoordinatorHost, TokenEvent } from '../types';
import { instrumentTokenClient } from './instrument';

// Real OpenTelemetry SDKs with in-memory exporters; the client is the real engine with a token
// source that mints JWTs (and fails on request).

function telemetry() {
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  return {
    meter: meterProvider.getMeter('test'),
    tracer: tracerProvider.getTracer('test'),
    spans: () => spanExporter.getFinishedSpans(),
    /** Every data point of every metric collected now, as { name, attributes, value }. */
    async points() {
      await reader.forceFlush();
      const batches = metricExporter.getMetrics();
      const last = batches[batches.length - 1];
      return (last?.scopeMetrics ?? []).flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          metric.dataPoints.map((point) => ({ name: metric.descriptor.name, attributes: point.attributes, value: point.value as unknown })),
        ),
      );
    },
    async shutdown() {
      await meterProvider.shutdown();
      await tracerProvider.shutdown();
    },
  };
}

const SECRET_TOKEN_MARKER = 'do-not-export';
let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup) await step();
  cleanup = [];
});

/** A coordinator whose host the test can drive (offer tokens, report failures). */
function drivenCoordinator() {
  let host: CoordinatorHost | undefined;
  const coordinator: Coordinator = {
    connect(connected) {
      host = connected;
      return { acquire: async () => () => undefined, publish: () => undefined, invalidate: () => undefined, close: () => undefined };
    },
  };
  return { coordinator, host: () => host as CoordinatorHost };
}

function setup(fail = false) {
  const otel = telemetry();
  const driven = drivenCoordinator();
  let minted = 0;
  const fetchToken = vi.fn(async () => {
    if (fail) throw Object.assign(new Error(`upstream said ${SECRET_TOKEN_MARKER}`), { status: 400 });
    return freshJwt(60, { n: ++minted, secret: SECRET_TOKEN_MARKER });
  });
  const raw = createTokenClient({ fetchToken, network: fakeNetwork(), wake: noWake, coordinator: driven.coordinator, foregroundRetryBudget: 0 });
  const client = instrumentTokenClient(raw, { meter: otel.meter, tracer: otel.tracer });
  cleanup.push(async () => {
    client.destroy();
    await otel.shutdown();
  });
  return { otel, client, raw, driven, fetchToken };
}

function sum(points: { name: string; attributes: object; value: unknown }[], name: string, attributes: object = {}): number {
  return points
    .filter((point) => point.name === name && Object.entries(attributes).every(([k, v]) => (point.attributes as Record<string, unknown>)[k] === v))
    .reduce((total, point) => total + (typeof point.value === 'number' ? point.value : ((point.value as { count?: number }).count ?? 0)), 0);
}

describe('instrumentTokenClient', () => {
  it('counts requests by key class, reason and outcome, with their duration, and one span per request', async () => {
    const { otel, client } = setup();
    await client.getToken({ template: 'api' });
    await client.getToken({ template: 'api', skipCache: true });
    await client.getToken();
    const points = await otel.points();
    expect(sum(points, 'tokenwarden.token.requests', { 'tokenwarden.key_class': 'api', 'tokenwarden.reason': 'cold', 'tokenwarden.outcome': 'success' })).toBe(1);
    expect(sum(points, 'tokenwarden.token.requests', { 'tokenwarden.key_class': 'api', 'tokenwarden.reason': 'forced' })).toBe(1);
    expect(sum(points, 'tokenwarden.token.requests', { 'tokenwarden.key_class': 'default' })).toBe(1);
    expect(sum(points, 'tokenwarden.token.request.duration')).toBe(3);
    const spans = otel.spans();
    expect(spans.map((span) => span.name)).toEqual(['tokenwarden.fetch_token', 'tokenwarden.fetch_token', 'tokenwarden.fetch_token']);
    expect(spans[0]?.attributes).toEqual({ 'tokenwarden.key_class': 'api', 'tokenwarden.reason': 'cold', 'tokenwarden.outcome': 'success' });
  });

  it('tells cache hits from misses and measures getToken()', async () => {
    const { otel, client } = setup();
    await client.getToken();
    await client.getToken();
    await client.getToken();
    const points = await otel.points();
    expect(sum(points, 'tokenwarden.get_token.calls', { 'tokenwarden.result': 'miss' })).toBe(1);
    expect(sum(points, 'tokenwarden.get_token.calls', { 'tokenwarden.result': 'hit' })).toBe(2);
    expect(sum(points, 'tokenwarden.get_token.duration')).toBe(3);
  });

  it('a failed request: outcome error with the error type only, span status ERROR, never the message', async () => {
    const { otel, client } = setup(true);
    await expect(client.getToken()).rejects.toThrow();
    const points = await otel.points();
    expect(sum(points, 'tokenwarden.token.requests', { 'tokenwarden.outcome': 'error' })).toBeGreaterThanOrEqual(1);
    expect(sum(points, 'tokenwarden.get_token.calls', { 'tokenwarden.result': 'error' })).toBe(1);
    const span = otel.spans()[0];
    expect(span?.status.code).toBe(2);
    expect(span?.attributes['error.type']).toMatch(/Error/);
    expect(span?.events).toEqual([]);
    expect(JSON.stringify({ points, spans: otel.spans().map((s) => ({ a: s.attributes, st: s.status, e: s.events })) })).not.toContain(
      SECRET_TOKEN_MARKER,
    );
  });

  it('tokens delivered by a coordinator, coordinator degraded/recovered, and the learned clock offset', async () => {
    const { otel, client, driven } = setup();
    await client.getToken({ template: 'api' });
    const host = driven.host();
    expect(host.offer({ template: 'api' }, freshJwt(60, { n: 'peer', secret: SECRET_TOKEN_MARKER }, Date.now() + 1_000))).toBe(true);
    const degradedError = Object.assign(new Error(`Redis claim failed ${SECRET_TOKEN_MARKER}`), { name: 'RedisCoordinatorError', operation: 'claim' });
    host.emit({ type: 'coordinator-degraded', error: degradedError } as TokenEvent);
    let points = await otel.points();
    expect(sum(points, 'tokenwarden.token.shared', { 'tokenwarden.key_class': 'api' })).toBe(1);
    expect(sum(points, 'tokenwarden.coordinator.degraded', { 'tokenwarden.operation': 'claim', 'error.type': 'RedisCoordinatorError' })).toBe(1);
    expect(sum(points, 'tokenwarden.coordinator.degraded.active')).toBe(1);
    expect(points.some((point) => point.name === 'tokenwarden.clock.offset' && typeof point.value === 'number')).toBe(true);
    host.emit({ type: 'coordinator-recovered' });
    points = await otel.points();
    expect(sum(points, 'tokenwarden.coordinator.recovered')).toBe(1);
    expect(sum(points, 'tokenwarden.coordinator.degraded.active')).toBe(0);
    expect(JSON.stringify(points)).not.toContain(SECRET_TOKEN_MARKER);
  });

  it('never exports a token, a claim or an organisation id', async () => {
    const { otel, client } = setup();
    const token = await client.getToken({ template: 'api', organizationId: 'org_secret_42' });
    const exported = JSON.stringify({ points: await otel.points(), spans: otel.spans().map((s) => ({ n: s.name, a: s.attributes })) });
    expect(exported).not.toContain(token as string);
    expect(exported).not.toContain(SECRET_TOKEN_MARKER);
    expect(exported).not.toContain('org_secret_42');
  });

  it('destroy() on the returned client stops the instrumentation and destroys the client', async () => {
    const { client, raw } = setup();
    await client.getToken();
    client.destroy();
    expect(raw.destroyed).toBe(true);
    expect(client.destroyed).toBe(true);
  });
});
