/**
 * One instance of a server fleet, run as its own Node process (`node --import tsx`) by `fleet.ts`.
 * It reads the same keys as every other instance, continuously, through a token client coordinated
 * by Redis, with a token source that mints JWTs locally and counts every request. It reports its
 * counters to the parent over IPC. On `hang`, its token source stops answering (a refresher stuck
 * mid-request, about to be killed while holding locks).
 */
import { Cluster, Redis } from 'ioredis';
import { createTokenClient } from '../../src/client';
import { defaultRefreshMargin } from '../../src/timing';
import { redisCoordinator } from '../../src/sync/redis';
import type { FetchTokenContext, FetchTokenResult, TokenEvent } from '../../src/types';
import { type FleetCounters, type FleetWorkerConfig, LATENCY_BUCKETS, type ParentMessage, type WorkerMessage } from './fleetProtocol';

/** Reads started together in one round (a round reads every key once). */
const READ_CHUNK = 64;

function send(message: WorkerMessage): void {
  // The runner may be gone already (then 'disconnect' ends this process).
  if (process.connected) process.send?.(message, undefined, undefined, () => undefined);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The token server's clock: the local one, or ahead/behind it by `serverSkew` ms. */
let serverSkew = 0;
const serverNow = () => Date.now() + serverSkew;

function mint(ttl: number, template: string | undefined, serial: number, instance: number): string {
  const iat = Math.floor(serverNow() / 1000);
  const claims = { sub: 'fleet', iat, exp: iat + ttl, tpl: template ?? null, n: `${instance}:${serial}` };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.c2ln`;
}

async function run(config: FleetWorkerConfig): Promise<void> {
  serverSkew = config.serverSkew ?? 0;
  const counters: FleetCounters = {
    fetches: 0,
    reads: 0,
    failures: 0,
    gaps: 0,
    late: 0,
    degraded: 0,
    hung: 0,
    latency: LATENCY_BUCKETS.map(() => 0),
    commands: 0,
    heapUsed: 0,
    serverGaps: 0,
  };
  let hanging = false;
  let serial = 0;
  let redis: Redis | Cluster;
  if (config.clusterNodes) {
    redis = new Cluster(config.clusterNodes, {
      // Find the promoted replica quickly after a failover.
      clusterRetryStrategy: () => 100,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      // Sharded pub/sub: ioredis keeps a subscriber per shard, as the coordinator's README asks.
      ...(config.pubsub === 'sharded' ? { shardedSubscribers: true } : {}),
    });
    redis.on('error', () => undefined);
    await new Promise<void>((resolve) => (redis as Cluster).once('ready', () => resolve()));
  } else {
    const single = new Redis({
      host: '127.0.0.1',
      port: config.redisPort,
      lazyConnect: true,
      // Back within half a second of Redis returning.
      retryStrategy: (times) => Math.min(times * 50, 500),
    });
    single.on('error', () => undefined);
    // Unreachable on purpose: the coordinator's calls time out (or fail) and it fetches alone.
    if (config.redisDown) single.connect().catch(() => undefined);
    else await single.connect();
    redis = single;
  }

  // Every coordinator step is one script: count them (commands per key per cycle in the bench).
  for (const method of ['evalsha', 'eval'] as const) {
    const original = (redis[method] as (...args: unknown[]) => Promise<unknown>).bind(redis);
    (redis as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      counters.commands++;
      return original(...args);
    };
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  const report = (collect = false): FleetCounters => {
    if (collect && gc) gc();
    counters.heapUsed = process.memoryUsage().heapUsed;
    return { ...counters, latency: [...counters.latency] };
  };

  // The crasher refreshes a little earlier than the others, so it is the one holding the locks.
  const margin = config.earlierBy ? (ttl: number) => defaultRefreshMargin(ttl) + config.earlierBy! / 1000 : defaultRefreshMargin;
  const fetchToken = async (context: FetchTokenContext): Promise<FetchTokenResult> => {
    counters.fetches++;
    if (hanging) {
      counters.hung++;
      send({ type: 'report', index: config.index, counters: { ...counters } });
      return new Promise<FetchTokenResult>(() => undefined);
    }
    const token = mint(config.ttl, context.template, ++serial, config.index);
    // With a skewed token server, say what time it is there (as an HTTP Date header would).
    return config.serverSkew === undefined ? token : { token, serverTime: serverNow() };
  };
  const clientIn = (namespace: string, onFetch: () => void = () => undefined) =>
    createTokenClient({
      fetchToken: async (context: FetchTokenContext) => {
        onFetch();
        return mint(config.ttl, context.template, ++serial, config.index);
      },
      minValidity: config.minValidity,
      refreshMargin: margin,
      coordinator: redisCoordinator({
        redis,
        namespace,
        lockTtl: config.lockTtl,
        waitTimeout: config.waitTimeout,
        ...(config.timeout === undefined ? {} : { timeout: config.timeout }),
        ...(config.pubsub ? { pubsub: config.pubsub } : {}),
        refreshMargin: margin,
      }),
    });
  const client = createTokenClient({
    fetchToken,
    minValidity: config.minValidity,
    refreshMargin: margin,
    coordinator: redisCoordinator({
      redis,
      namespace: config.namespace,
      lockTtl: config.lockTtl,
      waitTimeout: config.waitTimeout,
      ...(config.timeout === undefined ? {} : { timeout: config.timeout }),
      ...(config.pubsub ? { pubsub: config.pubsub } : {}),
      refreshMargin: margin,
    }),
  });
  // Per key: when its current token stops being served. A successor arriving later came too late.
  const cutoffs = new Map<string | undefined, number>();
  client.subscribe((event: TokenEvent) => {
    if (event.type === 'token') {
      const previous = cutoffs.get(event.key.template);
      if (previous !== undefined && Date.now() > previous) counters.late++;
      // `expiresAt` on an engine with token records, the JWT's `exp` before.
      const expiresAt = (event as { expiresAt?: number }).expiresAt ?? (event.claims?.exp ?? 0) * 1000;
      cutoffs.set(event.key.template, expiresAt - config.minValidity * 1000);
      return;
    }
    if (event.type !== 'coordinator-degraded') return;
    counters.degraded++;
    // FLEET_DEBUG=1 shows which Redis step failed when (never a token: the messages carry none).
    if (process.env.FLEET_DEBUG)
      console.log(`instance ${config.index} at ${Math.round(performance.now())} ms: ${(event.error as Error).message}`);
  });

  const templates = Array.from({ length: config.keys }, (_, i) => `k${i}`);
  const served = new Array<boolean>(config.keys).fill(false);
  // Per key, the last token served and its `exp` (ms): decoded once per token, not once per read.
  const lastToken = new Array<string | undefined>(config.keys);
  const lastExp = new Float64Array(config.keys);
  const expiresAt = (i: number, token: string): number => {
    if (lastToken[i] !== token) {
      const { exp } = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { exp: number };
      lastToken[i] = token;
      lastExp[i] = exp * 1000;
    }
    return lastExp[i] as number;
  };
  const readOne = async (template: string, i: number) => {
    // A key served before and not servable now: its refresh missed the cutoff.
    if (served[i] && client.peekToken({ template }) === null) counters.gaps++;
    const started = performance.now();
    try {
      const token = await client.getToken({ template });
      // The token server's clock at the moment the read resolved: this continuation runs in the
      // same task as the resolution (no timer or I/O callback in between, however starved the loop).
      const resolvedAt = serverNow();
      if (token === null) counters.failures++;
      else {
        served[i] = true;
        // Judged by the token server's clock, not the client's: more than minValidity left?
        if (expiresAt(i, token) - resolvedAt <= config.minValidity * 1000) counters.serverGaps++;
      }
    } catch (error) {
      counters.failures++;
      // FLEET_DEBUG=1 names the failures (type, code, the library's message and the cause's type; never a token).
      if (process.env.FLEET_DEBUG && counters.failures <= 5) {
        const { name, code, message, cause } = error as { name?: string; code?: string; message?: string; cause?: { name?: string } };
        console.log(`instance ${config.index}: getToken failed: ${name} ${code ?? ''}: ${message ?? ''} (cause: ${cause?.name ?? 'none'})`);
      }
    }
    const took = performance.now() - started;
    const bucket = LATENCY_BUCKETS.findIndex((bound) => took <= bound);
    counters.latency[bucket] = (counters.latency[bucket] ?? 0) + 1;
    counters.reads++;
  };

  let stopped = false;
  let warm = false;
  if (config.stall) {
    const { every, for: blockFor } = config.stall;
    const stall = setInterval(() => {
      if (stopped) return clearInterval(stall);
      const until = performance.now() + blockFor;
      while (performance.now() < until) {
        // Busy: nothing else runs in this process meanwhile.
      }
    }, every);
  }
  const loop = async () => {
    while (!stopped) {
      // In chunks, as a server handles requests: a read's latency is its own (plus at most a
      // chunk's worth of work), not the tail of one huge batch.
      for (let from = 0; from < templates.length && !stopped; from += READ_CHUNK) {
        await Promise.all(templates.slice(from, from + READ_CHUNK).map((template, offset) => readOne(template, from + offset)));
      }
      if (!warm) {
        warm = true;
        send({ type: 'ready', index: config.index });
      }
      await new Promise((resolve) => setTimeout(resolve, config.readInterval));
    }
  };

  process.on('message', (raw) => {
    const message = raw as ParentMessage;
    if (message.type === 'report') send({ type: 'report', index: config.index, counters: report(message.heap) });
    else if (message.type === 'hang') hanging = true;
    else if (message.type === 'cold') {
      // The fleet's cold start in a namespace nobody used yet: one request per key is the goal.
      let fetches = 0;
      let failures = 0;
      const cold = clientIn(message.namespace, () => fetches++);
      void Promise.all(
        templates.map((template) =>
          cold.getToken({ template }).then(
            (token) => {
              if (token === null) failures++;
            },
            () => failures++,
          ),
        ),
      ).then(() => {
        cold.destroy();
        send({ type: 'cold', index: config.index, fetches, failures });
      });
    }
    else if (message.type === 'stop') {
      stopped = true;
      send({ type: 'report', index: config.index, counters: { ...counters } });
      client.destroy();
      redis.disconnect();
      process.exit(0);
    }
  });
  void loop();
}

// The runner died or let go of us (a failed test, a killed vitest): never outlive it.
process.on('disconnect', () => process.exit(0));

process.once('message', (raw) => {
  const message = raw as ParentMessage;
  if (message.type === 'start') {
    run(message.config).catch((error: unknown) => {
      console.error('fleet worker failed to start', error);
      process.exit(1);
    });
  }
});
