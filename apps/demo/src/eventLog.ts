import type { TokenEvent } from 'tokenwarden';
import { describeError } from './describeError';
import { keyLabel } from './demoKeys';
import { clockTime, duration } from './format';

export type LogTone = 'info' | 'ok' | 'warn' | 'error';

/** What a log line is about; engine events keep their own type name. */
export type LogKind = TokenEvent['type'] | 'page';

export interface LogEntry {
  id: number;
  /** Local wall-clock ms. */
  at: number;
  kind: LogKind;
  /** What happened, in a few words ("token accepted"). */
  title: string;
  /** Which key, when the event concerns one. */
  key: string | undefined;
  detail: string;
  tone: LogTone;
}

export type LogLine = Omit<LogEntry, 'id' | 'at'>;

/** What the page knows around an event that the event itself does not say. */
export interface EventContext {
  /** For `fetch-start`: ms until the key's current token expires, if it has one. */
  untilExpiry?: number | undefined;
}

/** The engine's fetch reasons in words. `expired` means "no servable token": past the cutoff. */
const FETCH_REASONS: Record<Extract<TokenEvent, { type: 'fetch-start' }>['reason'], string> = {
  cold: 'first token',
  refresh: 'proactive refresh',
  expired: 'past cutoff',
  forced: 'forced (skipCache)',
};

/**
 * The log line for an engine event. The `token` event carries the raw token: only its claims
 * (times, `jti`) are used here, so the log can never show it.
 */
export function describeEvent(event: TokenEvent, context: EventContext = {}): LogLine {
  switch (event.type) {
    case 'fetch-start': {
      const left = context.untilExpiry === undefined || context.untilExpiry <= 0 ? '' : ` · current token expires in ${duration(context.untilExpiry)}`;
      return { kind: event.type, title: 'fetch started', key: keyLabel(event.key), detail: `${FETCH_REASONS[event.reason]}${left}`, tone: 'info' };
    }
    case 'token': {
      // Times from the event (server-clock ms; opaque tokens have no claims), else from the claims.
      const issuedAt = event.issuedAt ?? secondsToMs(event.claims?.iat);
      const expiresAt = event.expiresAt ?? secondsToMs(event.claims?.exp);
      const jti = event.claims?.['jti'];
      const id = typeof jti === 'string' ? ` · jti ${jti.slice(0, 8)}` : '';
      const from = event.origin === 'coordinator' ? 'shared by another tab' : 'fetched';
      const times =
        issuedAt === undefined || expiresAt === undefined
          ? 'lifetime unknown'
          : `iat ${clockTime(issuedAt, false)} → exp ${clockTime(expiresAt, false)} (${Math.round((expiresAt - issuedAt) / 1000)} s)`;
      const detail = `${from} · ${times}${id}`;
      return { kind: event.type, title: 'token accepted', key: keyLabel(event.key), detail, tone: 'ok' };
    }
    case 'fetch-error': {
      const next = event.willRetry ? (event.retryIn === undefined ? ' · will retry' : ` · retry in ${(event.retryIn / 1000).toFixed(1)} s`) : ' · gave up';
      return { kind: event.type, title: 'refresh failed', key: keyLabel(event.key), detail: `${describeError(event.error)}${next}`, tone: 'error' };
    }
    case 'signed-out':
      return { kind: event.type, title: 'signed out', key: event.key ? keyLabel(event.key) : undefined, detail: 'the session can no longer mint tokens', tone: 'warn' };
    case 'online':
      return { kind: event.type, title: 'online', key: undefined, detail: 'stale keys refresh now', tone: 'ok' };
    case 'offline':
      return { kind: event.type, title: 'offline', key: undefined, detail: 'cached tokens are still served until their cutoff', tone: 'warn' };
    case 'cleared':
      return { kind: event.type, title: 'cache cleared', key: undefined, detail: event.origin === 'remote' ? 'by another tab' : 'by this tab', tone: 'info' };
    case 'evicted':
      return { kind: event.type, title: 'key evicted', key: keyLabel(event.key), detail: 'not read for a token lifetime', tone: 'info' };
    case 'coordinator-degraded':
      return { kind: event.type, title: 'tab sync degraded', key: undefined, detail: describeError(event.error), tone: 'warn' };
    case 'coordinator-recovered':
      return { kind: event.type, title: 'tab sync recovered', key: undefined, detail: 'tokens are shared again', tone: 'ok' };
  }
}

function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

/** A bounded, newest-first list of log lines. */
export class EventLog {
  readonly #limit: number;
  readonly #now: () => number;
  #entries: LogEntry[] = [];
  #nextId = 1;

  constructor(options: { limit?: number; now?: () => number } = {}) {
    this.#limit = options.limit ?? 200;
    this.#now = options.now ?? Date.now;
  }

  add(line: LogLine): LogEntry {
    const entry: LogEntry = { ...line, id: this.#nextId++, at: this.#now() };
    this.#entries = [entry, ...this.#entries].slice(0, this.#limit);
    return entry;
  }

  page(title: string, detail = '', tone: LogTone = 'info', key?: string): LogEntry {
    return this.add({ kind: 'page', title, key, detail, tone });
  }

  /** Newest first. */
  entries(): readonly LogEntry[] {
    return this.#entries;
  }

  get lastId(): number {
    return this.#nextId - 1;
  }
}
