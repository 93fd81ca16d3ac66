import type { DemoApp } from '../demoApp';
import { ClaimsView } from './claimsView';
import { bindControls, renderControls } from './controlsView';
import { renderCounters } from './countersView';
import { byId } from './dom';
import { KeyRowsView } from './keyRowsView';
import { LogView } from './logView';
import { renderStatus } from './statusView';

/** Repaint rate: the "now" marker moves smoothly; everything else changes less often. */
export const RENDER_INTERVAL = 200;

/** The whole page: builds the dynamic parts once, then repaints from `app` on change and on a tick. */
export function mountPage(app: DemoApp): () => void {
  const keyRows = new KeyRowsView(byId('key-rows'), (id) => app.selectKey(id));
  const claims = new ClaimsView();
  const log = new LogView(byId('log-rows'));
  bindControls(app);

  let queued = false;
  const render = (): void => {
    queued = false;
    const snapshot = app.client?.snapshot();
    renderStatus(app, snapshot);
    keyRows.render(app, app.session ? snapshot : undefined);
    renderCounters(app);
    renderControls(app);
    claims.render(app, snapshot);
    log.render(app.log);
  };
  // Many changes can land in one task (three reads resolving together): paint once.
  const schedule = (): void => {
    if (queued) return;
    queued = true;
    queueMicrotask(render);
  };
  const stopListening = app.onChange(schedule);
  const timer = setInterval(render, RENDER_INTERVAL);
  render();
  return () => {
    stopListening();
    clearInterval(timer);
  };
}
