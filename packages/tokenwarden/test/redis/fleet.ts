import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultRefreshMargin } from '../../src/timing';
import { type FleetCounters, type FleetWorkerConfig, LATENCY_BUCKETS, type ParentMessage, type WorkerMessage } from './fleetProtocol';

const WORKER = fileURLToPath(new URL('./fleetWorker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** A worker that has not read every key once by then is stuck. */
const READY_TIMEOUT = 60_000;
const REPORT_TIMEOUT = 15_000;
/** How often to look for the start of a refresh burst, ms. */
const BURST_POLL = 100;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type FleetOptions = Omit<FleetWorkerConfig, 'index' | 'earlierBy'> & {
  instances: number;
  /** Longest wait for every instance's counters, ms (busy 100 000-key instances answer slowly). @default 15000 */
  reportTimeout?: number;
  /** Longest wait for an instance to read every key once (a fleet's cold start of 100 000 keys is slow). @default 60000 */
  readyTimeout?: number;
  /** Instance 0 refreshes this many ms before the others (so it holds the locks when it is killed). */
  crasherEarlierBy?: number;
};

export const EMPTY_COUNTERS: FleetCounters = {
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

/** The p-th percentile (0..1) of the reads counted in a histogram, as its bucket's upper bound (ms). */
export function percentile(latency: number[], p: number): number {
  const total = latency.reduce((sum, count) => sum + count, 0);
  let seen = 0;
  for (const [index, count] of latency.entries()) {
    seen += count;
    if (seen >= p * total) return LATENCY_BUCKETS[index] as number;
  }
  return 0;
}

export function addCounters(a: FleetCounters, b: FleetCounters): FleetCounters {
  return {
    latency: a.latency.map((count, index) => count + (b.latency[index] ?? 0)),
    commands: a.commands + b.commands,
    heapUsed: a.heapUsed + b.heapUsed,
    serverGaps: a.serverGaps + b.serverGaps,
    fetches: a.fetches + b.fetches,
    reads: a.reads + b.reads,
    failures: a.failures + b.failures,
    gaps: a.gaps + b.gaps,
    late: a.late + b.late,
    degraded: a.degraded + b.degraded,
    hung: a.hung + b.hung,
  };
}

export function subtractCounters(a: FleetCounters, b: FleetCounters): FleetCounters {
  return {
    latency: a.latency.map((count, index) => count - (b.latency[index] ?? 0)),
    commands: a.commands - b.commands,
    heapUsed: a.heapUsed - b.heapUsed,
    serverGaps: a.serverGaps - b.serverGaps,
    fetches: a.fetches - b.fetches,
    reads: a.reads - b.reads,
    failures: a.failures - b.failures,
    gaps: a.gaps - b.gaps,
    late: a.late - b.late,
    degraded: a.degraded - b.degraded,
    hung: a.hung - b.hung,
  };
}

interface Worker {
  readonly index: number;
  readonly child: ChildProcess;
  alive: boolean;
  last: FleetCounters;
  ready: Promise<void>;
}

/** The counters of the whole fleet at one moment, and when that was. */
export interface FleetSample {
  at: number;
  /** Per instance (the last report of a killed instance stays). */
  perInstance: FleetCounters[];
  total: FleetCounters;
}

export interface Fleet {
  /** One refresh cycle of a key: token lifetime minus refresh margin, ms. */
  readonly cycleMs: number;
  readonly options: FleetOptions;
  /**
   * Asks every live instance for its counters; with `heap`, each collects garbage first (with
   * `measureHeap`), so `heapUsed` is live memory. A full collection of a large heap costs each
   * instance up to seconds of CPU: only the samples that report heap ask for one.
   */
  sample(options?: { heap?: boolean }): Promise<FleetSample>;
  /**
   * Waits until half a refresh cycle after the next burst of refreshes began: the moment farthest
   * from any burst. Keys refresh in bursts (they were first fetched together), so a window from
   * here to a whole number of cycles later counts exactly one burst per cycle, not one more or less.
   */
  alignToMidCycle(): Promise<void>;
  /** Makes an instance's token source stop answering. */
  hang(index: number): void;
  /** SIGKILL, like a crashed host. */
  kill(index: number): void;
  isAlive(index: number): boolean;
  /**
   * Every live instance starts a new client in `namespace` at the same moment and reads every key
   * once: the fleet's cold start. Resolves with the token requests (and failed reads) of all of them.
   */
  coldStart(namespace: string): Promise<{ fetches: number; failures: number }>;
  /** Resolves on an instance's next report that satisfies `until`. */
  watch(index: number, until: (counters: FleetCounters) => boolean, timeout: number): Promise<FleetCounters>;
  stop(): Promise<void>;
}

/** Requests per key per refresh cycle between two samples, for the whole fleet. */
export function requestsPerKeyPerCycle(fleet: Fleet, from: FleetSample, to: FleetSample): number {
  const cycles = (to.at - from.at) / fleet.cycleMs;
  return (to.total.fetches - from.total.fetches) / fleet.options.keys / cycles;
}

function post(worker: Worker, message: ParentMessage): void {
  if (worker.alive && worker.child.connected) worker.child.send(message);
}

/**
 * Starts `instances` Node processes (TypeScript through tsx) that each read the same keys through
 * a Redis-coordinated token client, and resolves once every one has read every key once.
 */
export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const ttl = options.ttl;
  const cycleMs = (ttl - defaultRefreshMargin(ttl)) * 1000;
  const listeners = new Set<(message: WorkerMessage) => void>();
  const workers: Worker[] = [];
  for (let index = 0; index < options.instances; index++) {
    const execArgv = ['--import', 'tsx', ...(options.measureHeap ? ['--expose-gc'] : [])];
    const child = fork(WORKER, [], { cwd: REPO_ROOT, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const worker: Worker = { index, child, alive: true, last: { ...EMPTY_COUNTERS }, ready: Promise.resolve() };
    worker.ready = new Promise((resolve, reject) => {
      const readyTimeout = options.readyTimeout ?? READY_TIMEOUT;
      const timer = setTimeout(() => reject(new Error(`fleet instance ${index} not ready within ${readyTimeout} ms`)), readyTimeout);
      child.on('message', (raw) => {
        const message = raw as WorkerMessage;
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'report') {
          worker.last = message.counters;
        }
        for (const listener of [...listeners]) listener(message);
      });
      child.once('exit', (code, signal) => {
        worker.alive = false;
        clearTimeout(timer);
        reject(new Error(`fleet instance ${index} exited (${code ?? signal}) before it was ready`));
      });
    });
    worker.ready.catch(() => undefined);
    const earlierBy = index === 0 ? options.crasherEarlierBy : undefined;
    const { instances: _instances, crasherEarlierBy: _crasher, reportTimeout: _reportTimeout, readyTimeout: _readyTimeout, ...shared } = options;
    child.send({ type: 'start', config: { ...shared, index, ...(earlierBy === undefined ? {} : { earlierBy }) } } satisfies ParentMessage);
    workers.push(worker);
  }

  const stop = async () => {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (!worker.alive) return resolve();
            const timer = setTimeout(() => worker.child.kill('SIGKILL'), 3_000);
            worker.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            post(worker, { type: 'stop' });
          }),
      ),
    );
  };

  try {
    await Promise.all(workers.map((worker) => worker.ready));
  } catch (error) {
    for (const worker of workers) if (worker.alive) worker.child.kill('SIGKILL');
    throw error;
  }

  const fleet: Fleet = {
    cycleMs,
    options,
    async alignToMidCycle() {
      const giveUpAt = performance.now() + 3 * cycleMs;
      let previous = await fleet.sample();
      while (performance.now() < giveUpAt) {
        await pause(BURST_POLL);
        const next = await fleet.sample();
        if (next.total.fetches > previous.total.fetches) {
          await pause(Math.max(0, previous.at + cycleMs / 2 - performance.now()));
          return;
        }
        previous = next;
      }
      throw new Error(`no refresh within ${3 * cycleMs} ms`);
    },
    async sample({ heap = false } = {}) {
      const live = workers.filter((worker) => worker.alive);
      const at = performance.now();
      await new Promise<void>((resolve, reject) => {
        const waiting = new Set(live.map((worker) => worker.index));
        if (waiting.size === 0) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`no report from instances ${[...waiting].join(', ')}`));
        }, options.reportTimeout ?? REPORT_TIMEOUT);
        const listener = (message: WorkerMessage) => {
          if (message.type !== 'report') return;
          waiting.delete(message.index);
          if (waiting.size > 0) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve();
        };
        listeners.add(listener);
        for (const worker of live) post(worker, { type: 'report', heap });
      });
      const perInstance = workers.map((worker) => ({ ...worker.last }));
      return { at, perInstance, total: perInstance.reduce(addCounters, { ...EMPTY_COUNTERS }) };
    },
    async coldStart(namespace) {
      const live = workers.filter((worker) => worker.alive);
      const results = await new Promise<{ fetches: number; failures: number }[]>((resolve, reject) => {
        const answers: { fetches: number; failures: number }[] = [];
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error('cold start did not finish'));
        }, REPORT_TIMEOUT);
        const listener = (message: WorkerMessage) => {
          if (message.type !== 'cold') return;
          answers.push({ fetches: message.fetches, failures: message.failures });
          if (answers.length < live.length) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(answers);
        };
        listeners.add(listener);
        for (const worker of live) post(worker, { type: 'cold', namespace });
      });
      return results.reduce((sum, next) => ({ fetches: sum.fetches + next.fetches, failures: sum.failures + next.failures }), { fetches: 0, failures: 0 });
    },
    hang(index) {
      post(workers[index] as Worker, { type: 'hang' });
    },
    kill(index) {
      const worker = workers[index] as Worker;
      worker.alive = false;
      worker.child.kill('SIGKILL');
    },
    isAlive: (index) => (workers[index] as Worker).alive,
    watch(index, until, timeout) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`instance ${index}: condition not met within ${timeout} ms`));
        }, timeout);
        const listener = (message: WorkerMessage) => {
          if (message.type !== 'report' || message.index !== index || !until(message.counters)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(message.counters);
        };
        listeners.add(listener);
      });
    },
    stop,
  };
  return fleet;
}
