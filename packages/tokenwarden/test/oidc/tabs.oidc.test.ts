import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchChromium } from '../../../../e2e/support/chromium';
import { defaultRefreshMargin } from '../../src/timing';
import { authorize } from './authorize';
import { clientKeys } from './clientKeys';
import { JWT_RESOURCE, type OidcServer, startOidcServer } from './oidcServer';
import type { TabState } from './tabs/page';

/**
 * Real Chromium, real time: 5 tabs share one rotating refresh token (in `localStorage`, rotated
 * under a Web Lock) and its access tokens (`broadcastCoordinator`), against a real oidc-provider
 * that revokes the grant on any reuse. About 70 s of wall time: a real-time suite.
 */

const TTL = 10;
const TABS = 5;
const CYCLES = Number(process.env.CYCLES ?? 10);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let server: OidcServer;
let chromium: LaunchedBrowser;
let staticDir: string;

beforeAll(async () => {
  staticDir = await mkdtemp(join(tmpdir(), 'tokenwarden-oidc-tabs-'));
  await build({
    entryPoints: [fileURLToPath(new URL('./tabs/page.ts', import.meta.url))],
    outfile: join(staticDir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'warning',
  });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./page.js"></script>');
  server = await startOidcServer({ clientJwks: (await clientKeys()).publicJwks, accessTokenTtl: TTL, staticDir });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await rm(staticDir, { recursive: true, force: true });
});

async function openTab(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${server.issuer}/tabs/index.html`);
  await page.waitForFunction(() => window.tabs !== undefined);
  return page;
}

const stateOf = (page: Page) => page.evaluate(() => JSON.parse(JSON.stringify(window.tabs!.state)) as TabState);

describe('5 Chromium tabs, one rotating refresh token in localStorage, oidc-provider with reuse detection', () => {
  it(`${CYCLES} cycles: 0 reuse detections, about 1 grant per cycle for all tabs; a tab closed mid-rotation loses nothing`, { timeout: 180_000 }, async () => {
    const context = await chromium.newContext();
    const { refreshToken } = await authorize({ issuer: server.issuer, clientId: 'spa', resources: [JWT_RESOURCE] });
    const tabs: Page[] = [];
    for (let i = 0; i < TABS; i++) tabs.push(await openTab(context));
    await tabs[0]!.evaluate((token) => localStorage.setItem('tokenwarden:refresh:tabs', token), refreshToken);
    server.resetCounters();
    await Promise.all(tabs.map((tab) => tab.evaluate((audience) => window.tabs!.start(audience), JWT_RESOURCE)));

    const cycleMs = (TTL - defaultRefreshMargin(TTL)) * 1000;
    await sleep(CYCLES * cycleMs);
    const grants = server.grants['refresh_token'] ?? 0;
    const states = await Promise.all(tabs.map(stateOf));
    expect(server.reuseDetections).toBe(0);
    expect(server.grantErrors).toEqual([]);
    // The first fetch plus one per cycle, for all five tabs together (uncoordinated: five per cycle).
    expect(grants).toBeGreaterThanOrEqual(CYCLES - 1);
    expect(grants).toBeLessThanOrEqual(CYCLES + 2);
    for (const state of states) {
      expect(state.nulls).toBe(0);
      expect(state.errors).toEqual([]);
      expect(state.reads).toBeGreaterThan(CYCLES * 10);
    }

    // Hold the next rotation at the server's door, close the tab that sent it, then let it through:
    // its request is dropped unprocessed, its lock goes with the tab, and another tab rotates with
    // the refresh token still in localStorage.
    const held = server.holdNextTokenRequest();
    await held.arrived;
    const inFlight = await Promise.all(tabs.map(async (tab) => (await stateOf(tab)).requestsInFlight));
    const rotating = inFlight.findIndex((count) => count > 0);
    expect(rotating).toBeGreaterThanOrEqual(0);
    const [closed] = tabs.splice(rotating, 1);
    await closed!.close();
    await sleep(200);
    held.release();
    const before = await Promise.all(tabs.map(stateOf));
    await sleep(3 * cycleMs);
    const after = await Promise.all(tabs.map(stateOf));
    expect(server.dropped).toBe(1);
    expect(server.reuseDetections).toBe(0);
    expect(server.grantErrors).toEqual([]);
    after.forEach((state, i) => {
      expect(state.nulls).toBe(0);
      expect(state.errors).toEqual([]);
      // Every remaining tab went on getting fresh tokens after the close.
      expect(state.distinct).toBeGreaterThanOrEqual(before[i]!.distinct + 2);
    });
    await context.close();
  });
});
