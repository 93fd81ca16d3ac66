import type { DemoApp } from '../demoApp';
import { DEMO_KEYS } from '../demoKeys';
import { errorName } from '../describeError';
import { duration, signedDuration } from '../format';
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
  const networkLabel = online ? 'Browser online' : browserOnline ? 'Browser offline (simulated)' : 'Browser offline';
  pill('network-pill', online ? 'ok' : 'error', networkLabel, online ? 'online' : 'offline');

  const faults = app.faults;
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
  const offsetPill = byId('offset-pill');
  pill('offset-pill', Math.abs(offset) > 2000 ? 'warn' : 'info', `Clock offset ${signedDuration(offset)}`, 'offset');
  setAttr(offsetPill, 'data-offset-ms', String(Math.round(offset)));
  setAttr(
    offsetPill,
    'title',
    'Server minus local clock, as the client learned it from the Date header of each token answer (1 s resolution), corrected by half the round trip. Token times on this page use the corrected clock.',
  );
  pill('sync-pill', app.tabSync ? 'ok' : 'info', app.tabSync ? 'Tabs share tokens' : 'Tabs refresh alone', app.tabSync ? 'on' : 'off');

  // Keys whose last read found no usable token and no network: what an app would show a banner for.
  const stranded = DEMO_KEYS.filter((key) => {
    const read = app.activity(key.id).lastRead;
    return session !== null && read?.outcome === 'error' && errorName(read.error) === 'OfflineError';
  });
  const banner = byId('offline-banner');
  banner.hidden = stranded.length === 0;
  setText(
    banner,
    stranded.length === 0
      ? ''
      : `Offline: no usable token for ${stranded.map((key) => key.label).join(', ')}. getToken() rejects with OfflineError at once; a fresh token comes as soon as the network is back.`,
  );

  byId('signed-out').hidden = session !== null;
  byId('key-rows').hidden = session === null;
  setText(byId('signed-out-reason'), app.signedOutReason);
}
