/** Messages between the fleet runner (`fleet.ts`) and its worker processes (`fleetWorker.ts`). */

export interface FleetWorkerConfig {
  index: number;
  /** A single redis-server on this port, or (when `clusterNodes` is given) ignored. */
  redisPort: number;
  /** Startup nodes of a Redis Cluster: the instance then uses an ioredis `Cluster`. */
  clusterNodes?: { host: string; port: number }[];
  namespace: string;
  /** Keys read by every instance: templates k0..k(keys-1), the same across the fleet. */
  keys: number;
  /** Token lifetime, seconds. */
  ttl: number;
  /** Seconds below which a token is not served. */
  minValidity: number;
  /** Pause between two rounds of reading every key, ms. */
  readInterval: number;
  lockTtl: number;
  waitTimeout: number;
  /** Per Redis call, ms (the coordinator's default when absent). */
  timeout?: number;
  /** Refresh this many ms before the others (the crasher, so it is the one holding locks). */
  earlierBy?: number;
  /** The token server's clock runs this many ms ahead of the instances' (negative: behind). */
  serverSkew?: number;
  /** Run with --expose-gc: a report asked for with `heap` collects garbage first, so `heapUsed` is live memory. */
  measureHeap?: boolean;
  /**
   * Starve the event loop: every `every` ms, block it (a busy loop) for `for` ms, as a CPU-starved
   * host does. Timers and I/O callbacks then run late.
   */
  stall?: { every: number; for: number };
  /** Redis is unreachable (`redisPort` is closed): start without waiting for a connection. */
  redisDown?: boolean;
  /** The coordinator's `pubsub` (`'sharded'` needs `clusterNodes`: Redis >= 7). @default 'classic' */
  pubsub?: 'classic' | 'sharded';
}

export interface FleetCounters {
  /** Requests to the token source. */
  fetches: number;
  /** `getToken()` calls that settled. */
  reads: number;
  /** `getToken()` calls that rejected or answered null. */
  failures: number;
  /**
   * Reads that found their key's cached token (served before) no longer servable when the read
   * began: its refresh came too late, so the read waited for a fetch. Counted before the read; no
   * token is served here (see `serverGaps` for that).
   */
  gaps: number;
  /** New tokens that arrived after the previous token of their key had passed its cutoff. */
  late: number;
  /** `coordinator-degraded` events. */
  degraded: number;
  /** Requests the token source left hanging after `hang`. */
  hung: number;
  /** `getToken()` durations: how many fell in each of {@link LATENCY_BUCKETS} (ms, upper bounds). */
  latency: number[];
  /** Scripts sent to Redis (EVAL/EVALSHA): every Redis step of the coordinator is one. */
  commands: number;
  /** Heap in use (bytes) at the report, after a GC when the worker runs with --expose-gc. */
  heapUsed: number;
  /**
   * Reads that resolved with a token that had `minValidity` or less left by the token server's
   * clock at the moment the read resolved (checked in the read's own continuation, before any
   * other task runs): what the engine promises never happens.
   */
  serverGaps: number;
}

/** Upper bounds (ms) of the latency histogram's buckets; the last one catches the rest. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 300, 500, 1_000, 2_000, 5_000, Number.POSITIVE_INFINITY];

export type ParentMessage =
  | { type: 'start'; config: FleetWorkerConfig }
  /** `heap`: collect garbage first (with `measureHeap`); otherwise `heapUsed` includes garbage. */
  | { type: 'report'; heap?: boolean }
  | { type: 'hang' }
  | { type: 'stop' }
  /** Start a new client in a new namespace, read every key once, report its requests, destroy it. */
  | { type: 'cold'; namespace: string };

export type WorkerMessage =
  | { type: 'ready'; index: number }
  | { type: 'report'; index: number; counters: FleetCounters }
  | { type: 'cold'; index: number; fetches: number; failures: number };
