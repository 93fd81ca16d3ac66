import type { BrowserContext, Page } from 'playwright-core';
import type { DevServer } from '../../packages/devserver/src/index';
import { type BrowserStack, startBrowserStack } from '../support/browserStack';
import { buildCrossTabPage } from './buildPage';
import type { CrossTabState } from './page/state';

/** Token lifetime (s) the issue asks for. */
export const TTL = 10;
/**
 * The pages' `minValidity` (s). With the default 5 s, a 10 s token's refresh point (exp - 5 s)
 * is also its cutoff, so "a fresh token before the cutoff" could not be observed; at 2 s the
 * refresh still starts 5 s before exp (the margin formula is unchanged) and the cutoff is 3 s later.
 */
export const MIN_VALIDITY = 2;

/** The bundled test page, the devserver serving it and minting tokens, Chromium. */
export type CrossTabStack = BrowserStack;

export async function startCrossTabStack(): Promise<CrossTabStack> {
  return startBrowserStack(await buildCrossTabPage(), { ttl: TTL });
}

/** One open tab of the test page. */
export interface Tab {
  page: Page;
  /** Uncaught page errors and console errors. */
  problems: string[];
  state(): Promise<CrossTabState>;
}

/** Signs the browser context in (the session cookie is shared by its tabs); resolves to the session id. */
export async function signIn(context: BrowserContext, server: DevServer): Promise<string> {
  const response = await context.request.post(`${server.url}/v1/client/sign_in`, { data: {} });
  if (!response.ok()) throw new Error(`sign-in answered ${response.status()}`);
  return ((await response.json()) as { session_id: string }).session_id;
}

export async function openTab(context: BrowserContext, server: DevServer, query: { sid: string; ns: string }): Promise<Tab> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  const search = new URLSearchParams({ ...query, minValidity: String(MIN_VALIDITY) });
  await page.goto(`${server.url}/index.html?${search}`);
  await page.waitForFunction(() => window.crossTab?.state.ready === true);
  return {
    page,
    problems,
    // Infinity does not survive serialisation; the page's "no read yet" comes back as null.
    state: () => page.evaluate(() => JSON.parse(JSON.stringify(window.crossTab!.state)) as CrossTabState),
  };
}

/** Token requests the devserver counted for this session. */
export function requestsFor(server: DevServer, sessionId: string): number {
  return server.control.stats().bySession[sessionId] ?? 0;
}
