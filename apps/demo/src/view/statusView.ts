import { FOREGROUND_BUDGET, type DemoApp } from '../demoApp';
import { DEMO_KEYS } from '../demoKeys';
import { errorName } from '../describeError';
import { duration, offsetEstimate, signedDuration, type OffsetBounds } from '../format';
import type { TokenClientSnapshot } from '../tokenwardenLib';
import { byId, setAttr, setText } from './dom';

type Tone = 'ok' | 'warn' | 'error' | 'info';

function pill(id: string, tone: Tone, label: string, value: string): void {
  const element = byId(id);
  setAttr(element, 'data-tone', tone);
  setAttr(element, 'data-state', value);
  setText(element, label);
}

/** The header pills, the offline banner and the signed-out panel. */
export function renderStatus(app: DemoApp, snapshot: TokenClientSnapshot | undefined): void {
  const session = app.session;
  pill('session-pill', session ? 'ok' : 'warn', session ? `${session.userId} · ${session.sessionId.slice(0, 13)}` : 'Signed out', session ? 'signed-in' : 'signed-out');
  setAttr(byId('session-pill'), 'title', session ? `Signed in as ${session.userId}, session ${session.sessionId}` : 'No session');

  const network = app.network;
  const browserOnline = network.browserOnline();
  const online = network.isOnline();
  const faults = app.faults;
  // Two different things: the browser's own network (what the client asks before trying at all)
  // and whether the token server answers (what only a failed request tells).
  const serverUnreachable = online && (app.tokenServer === 'unreachable' || (faults?.dropRate ?? 0) > 0);
  const networkLabel = !online
    ? browserOnline
      ? 'Browser offline (simulated)'
      : 'Browser offline'
    : serverUnreachable
      ? 'Browser online · token server unreachable'
      : 'Browser online';
  pill('network-pill', !online ? 'error' : serverUnreachable ? 'warn' : 'ok', networkLabel, online ? 'online' : 'offline');
  setAttr(byId('network-pill'), 'data-server', serverUnreachable ? 'unreachable' : app.tokenServer);
  setAttr(
    byId('network-pill'),
    'title',
    'Browser network (navigator.onLine, or the page\'s simulated switch): while it is down the client does not even try a request. ' +
      'The token server can be unreachable while the browser is online: then requests are tried and fail.',
  );

  let serverLabel = 'Token server OK';
  let serverTone: Tone = 'ok';
  let serverState = 'ok';
  if (!app.controlReachable) {
    [serverLabel, serverTone, serverState] = ['Control API unreachable', 'warn', 'unknown'];
  } else if (faults) {
    const active: string[] = [];
    if (faults.dropRate > 0) active.push('unreachable');
    if (faults.errorRate > 0) active.push(`${faults.errorStatus}s`);
    if (faults.rateLimitRate > 0) active.push('429s');
    if (faults.latencyMs > 0) active.push(`+${duration(faults.latencyMs)}`);
    if (faults.clockOffsetMs !== 0) active.push(`clock ${signedDuration(faults.clockOffsetMs)}`);
    if (active.length > 0) [serverLabel, serverTone, serverState] = [`Token server: ${active.join(', ')}`, faults.dropRate > 0 || faults.errorRate > 0 || faults.rateLimitRate > 0 ? 'error' : 'warn', 'faulty'];
  }
  pill('server-pill', serverTone, serverLabel, serverState);

  const offset = snapshot?.serverOffset ?? 0;
  // Newer engines bound their estimate; older ones only give the estimate itself.
  const bounds = (snapshot as { serverOffsetBounds?: OffsetBounds } | undefined)?.serverOffsetBounds;
  const offsetPill = byId('offset-pill');
  pill('offset-pill', Math.abs(offset) > 2000 ? 'warn' : 'info', `Clock offset ${offsetEstimate(offset, bounds)}`, 'offset');
  setAttr(offsetPill, 'data-offset-ms', String(Math.round(offset)));
  setAttr(offsetPill, 'data-offset-low', bounds ? String(Math.round(bounds.low)) : undefined);
  setAttr(offsetPill, 'data-offset-high', bounds ? String(Math.round(bounds.high)) : undefined);
  setAttr(
    offsetPill,
    'title',
    bounds
      ? `Server minus local clock as the client estimates it from token answers; the true offset lies between ${signedDuration(bounds.low)} and ${signedDuration(bounds.high)}. Token times on this page use the corrected clock.`
      : 'Server minus local clock, as the client learned it from the Date header of token answers (whole seconds, so off by up to a second). Token times on this page use the corrected clock.',
  );
  pill('sync-pill', app.tabSync ? 'ok' : 'info', app.tabSync ? 'Tabs share tokens' : 'Tabs refresh alone', app.tabSync ? 'on' : 'off');

  // Keys whose last read found no usable token and no network: what an app would show a banner for.
  const stranded = DEMO_KEYS.filter((key) => {
    const read = app.activity(key.id).lastRead;
    return session !== null && read?.outcome === 'error' && errorName(read.error) === 'OfflineError';
  });
  const banner = byId('offline-banner');
  const text = session === null ? '' : bannerText(online, serverUnreachable, stranded.map((key) => key.label));
  banner.hidden = text === '';
  setAttr(banner, 'data-state', text === '' ? undefined : !online ? 'browser-offline' : serverUnreachable ? 'server-unreachable' : 'offline-error');
  setText(banner, text);

  byId('signed-out').hidden = session !== null;
  byId('key-rows').hidden = session === null;
  setText(byId('signed-out-reason'), app.signedOutReason);
}

/** What the engine does in this network state, in the words a person needs (matches the e2e suite). */
function bannerText(online: boolean, serverUnreachable: boolean, stranded: string[]): string {
  const none = stranded.length === 0 ? '' : ` No usable token now: ${stranded.join(', ')}.`;
  if (!online) {
    return (
      `Browser offline: getToken() serves each cached token until its cutoff, without a request; with no usable token it rejects with OfflineError at once.${none}` +
      ' Back online, stale keys refresh right away.'
    );
  }
  if (serverUnreachable) {
    return (
      'Token server unreachable, browser online: requests are tried and fail. Keys with a valid token are served from cache; ' +
      `a getToken() with no usable token retries for up to ${FOREGROUND_BUDGET / 1000} s (the foreground retry budget), then rejects with OfflineError.${none}`
    );
  }
  // The network is back but a key's last read still failed: its next read fetches.
  return stranded.length === 0 ? '' : `No usable token for ${stranded.join(', ')}: the last getToken() rejected with OfflineError; the next read tries again.`;
}
