import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; never a downloaded browser build. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium's own background traffic is refused on this machine's closed network; keep it quiet. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Installs Debian's chromium when missing (CI does it up front; this covers a fresh dev machine). */
export function ensureChromium(): void {
  if (existsSync(CHROMIUM_PATH)) return;
  execFileSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium'], { stdio: 'inherit' });
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} after apt-get install`);
}

export interface LaunchedBrowser {
  browser: Browser;
  /** A persistent-profile-free context; each test gets its own. */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** Headless Chromium; Playwright gives every launch a fresh temporary user-data dir of its own. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  ensureChromium();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  return {
    browser,
    newContext: () => browser.newContext(),
    close: () => browser.close(),
  };
}
