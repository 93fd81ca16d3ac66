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
  const server = app.serverCount;
  counter('counter-requests', values.requests, server === undefined ? 'token requests from this tab' : `server counted ${server} for this session`);
  // Other tabs of the session add to the server's count, and so does the browser itself: it resends
  // a request whose kept-alive connection was cut before any answer ("server unreachable").
  setAttr(byId('counter-requests-sub'), 'title', 'Server count: every tab of this session, plus requests the browser resent after a dropped connection.');
  const share = values.reads === 0 ? '' : ` · ${Math.round((values.cacheHits / values.reads) * 100)} %`;
  counter('counter-hits', values.cacheHits, `of ${values.reads} getToken() calls${share}`);
  counter('counter-errors', values.errors, `${values.failedRequests} failed requests · ${values.rejectedReads} rejected calls`);
}
