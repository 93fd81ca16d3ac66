import { serverCountNote } from '../counters';
import type { DemoApp } from '../demoApp';
import { byId, setAttr, setText } from './dom';

function counter(id: string, value: number, sub: string): void {
  const element = byId(id);
  setText(element, String(value));
  setAttr(element.closest('[data-testid]') ?? element, 'data-value', String(value));
  setText(byId(`${id}-sub`), sub);
}

/** Requests made, cache hits, errors: this session, this tab. */
export function renderCounters(app: DemoApp): void {
  const values = app.counters;
  const note = serverCountNote(values.requests, app.serverCount);
  counter('counter-requests', values.requests, note.text);
  setAttr(byId('counter-requests').closest('[data-testid]') ?? byId('counter-requests'), 'data-gap', note.gap);
  setAttr(byId('counter-requests-sub'), 'title', 'Requests made: token requests this tab sent. The server counts every tab of this session, plus requests the browser resent by itself after a dropped connection.');
  const share = values.reads === 0 ? '' : ` · ${Math.round((values.cacheHits / values.reads) * 100)} %`;
  counter('counter-hits', values.cacheHits, `of ${values.reads} getToken() calls${share}`);
  counter('counter-errors', values.errors, `${values.failedRequests} failed requests · ${values.rejectedReads} rejected calls`);
}
