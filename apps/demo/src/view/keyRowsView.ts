import type { DemoApp, KeyActivity } from '../demoApp';
import { DEMO_KEYS, sameKey, type DemoKey } from '../demoKeys';
import { describeError, errorName } from '../describeError';
import { callTime, clockTime } from '../format';
import { describeBar, timelineBar, type TimelineBar } from '../timeline';
import type { TokenClientSnapshot } from '../tokenwardenLib';
import { h, setAttr, setStyle, setText } from './dom';

interface RowParts {
  row: HTMLLIElement;
  name: HTMLButtonElement;
  status: HTMLElement;
  track: HTMLElement;
  fresh: HTMLElement;
  due: HTMLElement;
  cut: HTMLElement;
  elapsed: HTMLElement;
  refreshMark: HTMLElement;
  now: HTMLElement;
  refreshTick: HTMLElement;
  cutoffTick: HTMLElement;
  startTick: HTMLElement;
  endTick: HTMLElement;
  identity: HTMLElement;
  lastRead: HTMLElement;
}

/** Smallest gap (px) between the refresh and cutoff labels; closer, they become one label. */
const LABEL_GAP = 8;

/** One row per demo key: a bar from `iat` to `exp` with the refresh and cutoff marked. */
export class KeyRowsView {
  readonly #rows = new Map<string, RowParts>();

  constructor(list: HTMLElement, onSelect: (id: string) => void) {
    for (const key of DEMO_KEYS) {
      const parts = buildRow(key);
      parts.name.addEventListener('click', () => onSelect(key.id));
      this.#rows.set(key.id, parts);
      list.append(parts.row);
    }
  }

  render(app: DemoApp, snapshot: TokenClientSnapshot | undefined): void {
    for (const key of DEMO_KEYS) {
      const parts = this.#rows.get(key.id) as RowParts;
      const entry = snapshot?.entries.find((candidate) => sameKey(candidate.key, key.key));
      const bar = snapshot ? timelineBar(entry, snapshot.now) : undefined;
      renderRow(parts, key, bar, entry?.claims?.['jti'], app.activity(key.id), app.selectedKey === key.id);
    }
  }
}

function buildRow(key: DemoKey): RowParts {
  const name = h(
    'button',
    { type: 'button', class: 'key-name', 'aria-label': `Show the decoded claims of the ${key.label} token`, 'aria-controls': 'claims-table' },
    h('span', { class: 'key-label' }, key.label),
    h('span', { class: 'key-kind' }, key.kind),
  );
  const status = h('span', { class: 'key-status', 'data-testid': 'key-status' });
  const fresh = h('div', { class: 'seg seg-fresh' });
  const due = h('div', { class: 'seg seg-due' });
  const cut = h('div', { class: 'seg seg-cut' });
  const elapsed = h('div', { class: 'elapsed' });
  const refreshMark = h('div', { class: 'mark mark-refresh' });
  const now = h('div', { class: 'now' });
  const track = h('div', { class: 'track', role: 'img' }, fresh, due, cut, elapsed, refreshMark, now);
  const refreshTick = h('span', { class: 'tick tick-refresh' });
  const cutoffTick = h('span', { class: 'tick tick-cutoff' });
  const startTick = h('span', { class: 'tick tick-start' });
  const endTick = h('span', { class: 'tick tick-end' });
  const identity = h('span', { class: 'key-identity' });
  const lastRead = h('span', { class: 'key-read' });
  const row = h(
    'li',
    { class: 'key-row', 'data-testid': 'key-row', 'data-key': key.id },
    h('div', { class: 'key-head' }, name, status),
    h('div', { class: 'ticks ticks-top', 'aria-hidden': 'true' }, refreshTick, cutoffTick),
    track,
    h('div', { class: 'ticks ticks-bottom', 'aria-hidden': 'true' }, startTick, endTick),
    h('div', { class: 'key-foot' }, identity, lastRead),
  );
  return { row, name, status, track, fresh, due, cut, elapsed, refreshMark, now, refreshTick, cutoffTick, startTick, endTick, identity, lastRead };
}

function renderRow(parts: RowParts, key: DemoKey, bar: TimelineBar | undefined, jti: unknown, activity: KeyActivity, selected: boolean): void {
  const { row } = parts;
  setAttr(parts.name, 'aria-pressed', String(selected));
  setAttr(row, 'data-phase', bar?.phase ?? 'none');
  setAttr(row, 'data-refreshing', String(bar?.refreshing ?? false));
  setAttr(row, 'data-tokens', String(activity.tokens));
  setAttr(row, 'data-iat', bar ? String(bar.issuedAt / 1000) : undefined);
  setAttr(row, 'data-exp', bar ? String(bar.expiresAt / 1000) : undefined);
  setAttr(row, 'data-jti', typeof jti === 'string' ? jti : undefined);
  setText(parts.status, describeBar(bar));

  const refreshPct = bar?.refreshPct ?? 0;
  const cutoffPct = bar?.cutoffPct ?? 0;
  setAttr(parts.track, 'data-empty', bar ? undefined : 'true');
  setStyle(parts.fresh, 'width', `${refreshPct}%`);
  setStyle(parts.due, 'left', `${refreshPct}%`);
  setStyle(parts.due, 'width', `${Math.max(0, cutoffPct - refreshPct)}%`);
  setStyle(parts.cut, 'left', `${cutoffPct}%`);
  setStyle(parts.cut, 'width', `${bar ? 100 - cutoffPct : 0}%`);
  setStyle(parts.elapsed, 'width', `${bar?.nowPct ?? 0}%`);
  setStyle(parts.refreshMark, 'left', `${refreshPct}%`);
  setStyle(parts.now, 'left', `${bar?.nowPct ?? 0}%`);
  setAttr(
    parts.track,
    'aria-label',
    bar
      ? `${key.label}: issued ${clockTime(bar.issuedAt, false)}, refresh planned ${clockTime(bar.refreshAt, false)}, cutoff ${clockTime(bar.cutoffAt, false)}, expires ${clockTime(bar.expiresAt, false)}`
      : `${key.label}: no token`,
  );

  if (bar) {
    placeRefreshAndCutoff(parts, bar);
    setText(parts.startTick, `iat ${clockTime(bar.issuedAt, false)}`);
    setText(parts.endTick, `exp ${clockTime(bar.expiresAt, false)}`);
  } else {
    for (const tick of [parts.refreshTick, parts.cutoffTick, parts.startTick, parts.endTick]) setText(tick, '');
  }

  const id = typeof jti === 'string' ? ` · jti ${jti.slice(0, 8)}` : '';
  setText(parts.identity, activity.tokens > 0 ? `token #${activity.tokens}${id}` : 'waiting for a first token');
  const read = activity.lastRead;
  setAttr(row, 'data-last-read', read ? readKind(read) : undefined);
  setAttr(parts.lastRead, 'data-outcome', read ? read.outcome : undefined);
  setText(parts.lastRead, read ? `last getToken(): ${readText(read)}` : '');
}

function readKind(read: NonNullable<KeyActivity['lastRead']>): string {
  if (read.outcome === 'token') return read.cacheHit ? 'hit' : 'fetch';
  if (read.outcome === 'signed-out') return 'null';
  return errorName(read.error);
}

function readText(read: NonNullable<KeyActivity['lastRead']>): string {
  const took = callTime(read.ms);
  if (read.outcome === 'token') return `${read.cacheHit ? 'cache hit' : 'waited for fetch'} · ${took}`;
  if (read.outcome === 'signed-out') return `null · ${took}`;
  return `${describeError(read.error)} · ${took}`;
}

/**
 * Labels the refresh and cutoff marks, each centred on its mark but kept inside the bar. Placed
 * in pixels from their measured widths, so they never overlap at any width: when the two would
 * come closer than `LABEL_GAP`, they become one label at the cutoff, naming both times.
 */
function placeRefreshAndCutoff(parts: RowParts, bar: TimelineBar): void {
  const width = parts.track.clientWidth;
  const refreshText = `refresh ${clockTime(bar.refreshAt, false)}`;
  const cutoffText = `cutoff ${clockTime(bar.cutoffAt, false)}`;
  setText(parts.refreshTick, refreshText);
  setText(parts.cutoffTick, cutoffText);
  const refresh = span(parts.refreshTick, bar.refreshPct, width);
  const cutoff = span(parts.cutoffTick, bar.cutoffPct, width);
  const apart = refresh.right + LABEL_GAP <= cutoff.left || cutoff.right + LABEL_GAP <= refresh.left;
  if (width > 0 && apart) {
    placeAt(parts.refreshTick, refresh.left);
    placeAt(parts.cutoffTick, cutoff.left);
    return;
  }
  const refreshAt = clockTime(bar.refreshAt, false);
  const cutoffAt = clockTime(bar.cutoffAt, false);
  setText(parts.refreshTick, '');
  setText(parts.cutoffTick, refreshAt === cutoffAt ? `refresh · cutoff ${cutoffAt}` : `refresh ${refreshAt} · cutoff ${cutoffAt}`);
  placeAt(parts.cutoffTick, span(parts.cutoffTick, bar.cutoffPct, width).left);
}

/** Where a label centred on `pct` % of the bar goes once kept inside it, in px. */
function span(tick: HTMLElement, pct: number, width: number): { left: number; right: number } {
  const own = tick.offsetWidth;
  const left = Math.min(Math.max(0, (pct / 100) * width - own / 2), Math.max(0, width - own));
  return { left, right: left + own };
}

function placeAt(tick: HTMLElement, left: number): void {
  setStyle(tick, 'left', `${Math.round(left)}px`);
  setStyle(tick, 'transform', 'none');
}
