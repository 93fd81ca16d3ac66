import type { EventLog } from '../eventLog';
import { clockTime } from '../format';
import { h } from './dom';

/** Adds new log lines at the top; existing rows are never rebuilt (selection and scroll stay put). */
export class LogView {
  readonly #body: HTMLElement;
  readonly #limit: number;
  #lastId = 0;

  constructor(body: HTMLElement, limit = 200) {
    this.#body = body;
    this.#limit = limit;
  }

  render(log: EventLog): void {
    if (log.lastId === 0 && this.#body.children.length === 0) {
      this.#body.append(h('tr', { class: 'log-empty' }, h('td', { colspan: '4' }, 'Nothing yet. Sign in and the token lifecycle shows up here as it happens.')));
    }
    if (log.lastId === this.#lastId) return;
    if (this.#lastId === 0) this.#body.replaceChildren();
    const fresh = log.entries().filter((entry) => entry.id > this.#lastId);
    this.#lastId = log.lastId;
    const rows = fresh.map((entry) =>
      h(
        'tr',
        { 'data-testid': 'log-entry', 'data-at': String(entry.at), 'data-kind': entry.kind, 'data-title': entry.title, 'data-tone': entry.tone, ...(entry.key ? { 'data-key': entry.key } : {}) },
        h('td', { class: 'log-time' }, clockTime(entry.at)),
        h('td', { class: 'log-title' }, entry.title),
        h('td', { class: 'log-key' }, entry.key ?? ''),
        h('td', { class: 'log-detail' }, entry.detail),
      ),
    );
    this.#body.prepend(...rows);
    while (this.#body.children.length > this.#limit) this.#body.lastElementChild?.remove();
  }
}
