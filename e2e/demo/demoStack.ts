import { rm } from 'node:fs/promises';
import { startDevServer, type DevServer } from '../../packages/devserver/src/index';
import { launchChromium, type LaunchedBrowser } from '../support/chromium';
import { buildDemo } from './buildDemo';

/** The real pieces the demo runs on: its built page, the devserver serving it, Chromium. */
export interface DemoStack {
  server: DevServer;
  /** The page's URL. */
  url: string;
  chromium: LaunchedBrowser;
  /** Unexpected server errors (answered 500); a test run asserts there are none. */
  serverErrors: unknown[];
  close(): Promise<void>;
}

/**
 * Default-template tokens live 10 s (refresh and cutoff at 5 s), so a whole refresh cycle fits in
 * a test. `supabase` lives 20 s (refresh at 10 s, cutoff at 15 s): a key that is refreshed while
 * its token is still served, which a 10 s token never is (its margin equals `minValidity`).
 */
export const STACK_TTL = 10;
export const SUPABASE_TTL = 20;

export async function startDemoStack(): Promise<DemoStack> {
  const staticDir = await buildDemo();
  const serverErrors: unknown[] = [];
  const server = await startDevServer({
    port: 0,
    ttl: STACK_TTL,
    staticDir,
    templates: { supabase: { ttl: SUPABASE_TTL } },
    onError: (error) => serverErrors.push(error),
  });
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
