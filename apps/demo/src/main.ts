import './style.css';
import { DemoApp } from './demoApp';
import { createDemoNetwork } from './demoNetwork';
import { createDevserverApi } from './devserverApi';
import { EventLog } from './eventLog';
import { SessionStore } from './sessionStore';
import { broadcastCoordinator } from './tokenwardenLib';
import { mountPage } from './view/pageView';

// Composition root: the real browser, the devserver on this page's own origin.
const app = new DemoApp({
  api: createDevserverApi('', undefined, () => navigator.onLine),
  store: new SessionStore(localStorage, window),
  network: createDemoNetwork(),
  log: new EventLog(),
  baseUrl: location.origin,
  // Tabs of one session share tokens: one request per key per refresh cycle, whatever the tab count.
  coordinator: (session) => broadcastCoordinator({ namespace: session.sessionId, sessionId: session.sessionId }),
  openTab: () => window.open(location.href, '_blank'),
});
mountPage(app);
app.start();
