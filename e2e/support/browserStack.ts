import { rm } from 'node:fs/promises';
import { type DevServer, type DevServerOptions, startDevServer } from '../../packages/devserver/src/index';
import { type LaunchedBrowser, launchChromium } from './chromium';

/** The real pieces a browser suite runs on: a built page, the devserver serving it, Chromium. */
export interface BrowserStack {
  server: DevServer;
  /** The page's URL (served by the devserver: same origin, so the session cookie just works). */
  url: string;
  chromium: LaunchedBrowser;
  /** Unexpected server errors (answered 500); suites assert there are none. */
  serverErrors: unknown[];
  /** Closes Chromium and the server and removes the built page. */
  close(): Promise<void>;
}

/** Serves `staticDir` from a devserver on a free port and launches Chromium beside it. */
export async function startBrowserStack(staticDir: string, devserver: Omit<DevServerOptions, 'staticDir' | 'onError'>): Promise<BrowserStack> {
  const serverErrors: unknown[] = [];
  const server = await startDevServer({ port: 0, ...devserver, staticDir, onError: (error) => serverErrors.push(error) });
  let chromium: LaunchedBrowser;
  try {
    chromium = await launchChromium();
  } catch (error) {
    await server.close();
    throw error;
  }
  return {
    server,
    url: `${server.url}/`,
    chromium,
    serverErrors,
    async close() {
      await chromium.close();
      await server.close();
      await rm(staticDir, { recursive: true, force: true });
    },
  };
}
