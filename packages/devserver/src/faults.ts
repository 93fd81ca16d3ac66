import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, sendJson, stampDate } from './http';

/** What can go wrong on the token endpoints. Every field has a harmless default. */
export interface Faults {
  /** Delay before answering, ms. */
  latencyMs: number;
  /** Chance (0..1) of answering `errorStatus`. */
  errorRate: number;
  /** Status of injected errors (400..599). @default 503 */
  errorStatus: number;
  /** Chance (0..1) of answering 429 with `Retry-After`. */
  rateLimitRate: number;
  /** `Retry-After` seconds on injected 429 and 503 answers; `null` sends none. @default 2 */
  retryAfterSeconds: number | null;
  /** Chance (0..1) that the socket is destroyed without any answer. */
  dropRate: number;
  /** Hold every token request without answering until `hang` is turned off, `reset` or `close()`. */
  hang: boolean;
  /** Server clock skew, ms, applied to `iat`/`nbf`/`exp` and to the `Date` header of token answers. */
  clockOffsetMs: number;
  /** Answer the next N token requests with `errorStatus`, whatever the rates say (deterministic tests). */
  failNext: number;
}

export const DEFAULT_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  errorStatus: 503,
  rateLimitRate: 0,
  retryAfterSeconds: 2,
  dropRate: 0,
  hang: false,
  clockOffsetMs: 0,
  failNext: 0,
});

type Check = (value: unknown) => string | undefined;

const isRate: Check = (v) => (typeof v === 'number' && v >= 0 && v <= 1 ? undefined : 'a number from 0 to 1');
const isNonNegativeInt: Check = (v) => (Number.isInteger(v) && (v as number) >= 0 ? undefined : 'a whole number >= 0');
const CHECKS: Record<keyof Faults, Check> = {
  latencyMs: isNonNegativeInt,
  errorRate: isRate,
  errorStatus: (v) => (Number.isInteger(v) && (v as number) >= 400 && (v as number) <= 599 ? undefined : 'an HTTP status from 400 to 599'),
  rateLimitRate: isRate,
  retryAfterSeconds: (v) => (v === null ? undefined : isNonNegativeInt(v)),
  dropRate: isRate,
  hang: (v) => (typeof v === 'boolean' ? undefined : 'a boolean'),
  clockOffsetMs: (v) => (Number.isInteger(v) ? undefined : 'a whole number of ms (may be negative)'),
  failNext: isNonNegativeInt,
};

/** Validates a partial fault update (the body of `POST /__control/faults`); 400 names the bad field. */
export function parseFaultPatch(body: unknown): Partial<Faults> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(400, 'invalid_request', 'Faults must be a JSON object');
  }
  const patch: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    if (!Object.hasOwn(CHECKS, field)) throw new HttpError(400, 'invalid_request', `Unknown fault "${field}"`);
    const problem = CHECKS[field as keyof Faults](value);
    if (problem) throw new HttpError(400, 'invalid_request', `"${field}" must be ${problem}`);
    patch[field] = value;
  }
  return patch as Partial<Faults>;
}

/**
 * Decides, per token request, whether to answer normally, late, wrongly or not at all. Order:
 * hang, latency, drop, `failNext`, error rate, rate limit; each chance is an independent roll.
 */
export class FaultInjector {
  #faults: Faults = { ...DEFAULT_FAULTS };
  readonly #random: () => number;
  readonly #now: () => number;
  /** Requests held by `hang`; released when it is turned off. */
  readonly #held = new Set<() => void>();

  constructor(options: { now?: () => number; random?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  get(): Faults {
    return { ...this.#faults };
  }

  /** The server's clock as token endpoints show it: the real clock plus the clock-offset fault. */
  serverNow(): number {
    return this.#now() + this.#faults.clockOffsetMs;
  }

  update(patch: Partial<Faults>): Faults {
    this.#faults = { ...this.#faults, ...patch };
    if (!this.#faults.hang) this.#release();
    return this.get();
  }

  reset(): Faults {
    return this.update({ ...DEFAULT_FAULTS });
  }

  /**
   * Runs the faults for one request. True: the caller answers normally. False: the request was
   * answered, dropped, or its connection went away while held, and nothing more must be written.
   */
  async apply(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (this.#faults.hang && !(await this.#hold(res))) return false;
    const latency = this.#faults.latencyMs;
    if (latency > 0 && !(await delay(latency, res))) return false;

    const faults = this.#faults;
    if (faults.dropRate > 0 && this.#random() < faults.dropRate) {
      req.socket.destroy();
      return false;
    }
    if (faults.failNext > 0) {
      this.#faults = { ...faults, failNext: faults.failNext - 1 };
      this.#answer(res, faults.errorStatus);
      return false;
    }
    if (faults.errorRate > 0 && this.#random() < faults.errorRate) {
      this.#answer(res, faults.errorStatus);
      return false;
    }
    if (faults.rateLimitRate > 0 && this.#random() < faults.rateLimitRate) {
      this.#answer(res, 429);
      return false;
    }
    return true;
  }

  #answer(res: ServerResponse, status: number): void {
    const headers: Record<string, string> = {};
    const retryAfter = this.#faults.retryAfterSeconds;
    if ((status === 429 || status === 503) && retryAfter !== null) headers['Retry-After'] = String(retryAfter);
    const code = status === 429 ? 'rate_limited' : 'injected_fault';
    stampDate(res, this.serverNow());
    sendJson(res, status, { error: code, message: `Injected ${status} (fault injection)` }, headers);
  }

  /** Resolves true when released, false when the connection closed first. */
  #hold(res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const release = (): void => {
        res.off('close', onClose);
        resolve(!res.destroyed);
      };
      const onClose = (): void => {
        this.#held.delete(release);
        resolve(false);
      };
      this.#held.add(release);
      res.once('close', onClose);
    });
  }

  #release(): void {
    const held = [...this.#held];
    this.#held.clear();
    for (const release of held) release();
  }
}

/** Waits `ms`, or resolves false as soon as the response's connection goes away. */
function delay(ms: number, res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    res.once('close', onClose);
  });
}
