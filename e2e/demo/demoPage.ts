import { expect } from 'vitest';
import type { BrowserContext, Locator, Page } from 'playwright-core';

/** What a key's row shows, read from its `data-*` attributes (what a person sees, in numbers). */
export interface KeyRow {
  phase: 'none' | 'fresh' | 'refresh-due' | 'cutoff' | 'expired';
  refreshing: boolean;
  /** Tokens accepted for the key in this session. */
  tokens: number;
  jti: string | undefined;
  /** Seconds (JWT claims). */
  iat: number | undefined;
  exp: number | undefined;
  /** `hit`, `fetch`, `null` or the error's class name. */
  lastRead: string | undefined;
}

export interface CallResult {
  n: number;
  outcome: string;
  ms: number;
  cacheHit: boolean | undefined;
  text: string;
}

/** A big enough window that the screenshot shows the whole tool, as a person would see it. */
export const VIEWPORT = { width: 1360, height: 1000 };
/** A phone held upright (iPhone 12 to 15 are 390 CSS px wide). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };

/** The token endpoints (`/v1/client/sessions/:sid/tokens[/:template]`). */
const TOKEN_URL = /\/v1\/client\/sessions\/[^/]+\/tokens(\/[^/]+)?$/;

/** One console message of level error, with the URL Chromium attributes it to. */
export interface ConsoleError {
  text: string;
  url: string;
}

/** Drives the demo page the way a person does: clicks labelled controls, reads what is shown. */
export class DemoPage {
  readonly page: Page;

  private constructor(page: Page) {
    this.page = page;
  }

  static async open(context: BrowserContext, url: string): Promise<DemoPage> {
    const page = await context.newPage();
    const demo = new DemoPage(page);
    demo.failOnPageErrors();
    await page.goto(url);
    await page.getByTestId('session-pill').waitFor();
    return demo;
  }

  /** Adopts a page the demo opened itself ("Open another tab"). */
  static adopt(page: Page): DemoPage {
    const demo = new DemoPage(page);
    demo.failOnPageErrors();
    return demo;
  }

  readonly pageErrors: Error[] = [];
  readonly consoleErrors: ConsoleError[] = [];
  #tokenFailuresExpected = false;

  private failOnPageErrors(): void {
    this.page.on('pageerror', (error) => this.pageErrors.push(error));
    this.page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push({ text: message.text(), url: message.location().url });
    });
  }

  /**
   * The scenario makes token requests fail on purpose (503, 429, dropped connections, a revoked
   * session's 401). Chromium reports every failed request in the console by itself ("Failed to
   * load resource"), whatever the page does; those, and only those, are then expected.
   */
  expectFailedTokenRequests(): void {
    this.#tokenFailuresExpected = true;
  }

  /** Console errors a person would see that the scenario did not cause on purpose. */
  unexpectedConsoleErrors(): string[] {
    return this.consoleErrors
      .filter((error) => !(this.#tokenFailuresExpected && error.text.startsWith('Failed to load resource') && TOKEN_URL.test(new URL(error.url).pathname)))
      .map((error) => `${error.text} (${error.url})`);
  }

  /** Dev sign-in; resolves with the session id the page shows in its log. */
  async signIn(userId = 'user_dev'): Promise<string> {
    await this.page.getByLabel('User id').fill(userId);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
    await this.expectSignedIn();
    const detail = await this.logEntries('signed in').first().locator('.log-detail').textContent();
    const sessionId = /sess_[\w-]+/.exec(detail ?? '')?.[0];
    if (!sessionId) throw new Error(`no session id in the "signed in" log line: ${detail}`);
    return sessionId;
  }

  async expectSignedIn(): Promise<void> {
    await expect.poll(() => this.page.getByTestId('session-pill').getAttribute('data-state')).toBe('signed-in');
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="key-row"][data-key="${id}"]`);
  }

  async readRow(id: string): Promise<KeyRow> {
    return this.row(id).evaluate((element: HTMLElement) => {
      const data = element.dataset;
      const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
      return {
        phase: (data['phase'] ?? 'none') as KeyRow['phase'],
        refreshing: data['refreshing'] === 'true',
        tokens: Number(data['tokens'] ?? 0),
        jti: data['jti'],
        iat: number(data['iat']),
        exp: number(data['exp']),
        lastRead: data['lastRead'],
      };
    });
  }

  /** Polls the row until `accept` holds; resolves with the row that satisfied it. */
  async waitForRow(id: string, accept: (row: KeyRow) => boolean, timeout = 5_000): Promise<KeyRow> {
    let last: KeyRow | undefined;
    await expect
      .poll(
        async () => {
          last = await this.readRow(id);
          return accept(last);
        },
        { timeout, interval: 50 },
      )
      .toBe(true);
    return last as KeyRow;
  }

  /** Clicks "Call getToken() now" and reads the answer the page measured with performance.now(). */
  async callGetToken(timeout = 1_000): Promise<CallResult> {
    const output = this.page.getByTestId('call-result');
    const before = Number((await output.getAttribute('data-call')) ?? 0);
    await this.page.getByRole('button', { name: 'Call getToken() now' }).click();
    await expect.poll(async () => Number((await output.getAttribute('data-call')) ?? 0), { timeout }).toBe(before + 1);
    const cacheHit = await output.getAttribute('data-cache-hit');
    return {
      n: before + 1,
      outcome: (await output.getAttribute('data-outcome')) ?? '',
      ms: Number(await output.getAttribute('data-ms')),
      cacheHit: cacheHit === null ? undefined : cacheHit === 'true',
      text: (await output.textContent()) ?? '',
    };
  }

  logEntries(title: string, key?: string): Locator {
    const keyFilter = key === undefined ? '' : `[data-key="${key}"]`;
    return this.page.locator(`[data-testid="log-entry"][data-title="${title}"]${keyFilter}`);
  }

  /** When (page clock, ms) the newest log line with this title was written, if any. */
  async loggedAt(title: string, key?: string): Promise<number | undefined> {
    const entry = this.logEntries(title, key).first();
    return (await entry.count()) === 0 ? undefined : Number(await entry.getAttribute('data-at'));
  }

  async counter(name: 'requests' | 'hits' | 'errors'): Promise<number> {
    return Number(await this.page.getByTestId(`counter-${name}`).getAttribute('data-value'));
  }

  async pill(name: 'session' | 'network' | 'server' | 'offset' | 'sync'): Promise<string | null> {
    return this.page.getByTestId(`${name}-pill`).getAttribute('data-state');
  }

  async pillText(name: 'session' | 'network' | 'server' | 'offset' | 'sync'): Promise<string> {
    return (await this.page.getByTestId(`${name}-pill`).textContent()) ?? '';
  }

  /** "Requests made" as shown: this tab's count, the server's, and how the page explains the gap. */
  async requestCounts(): Promise<{ page: number; server: number | undefined; gap: string | null; note: string }> {
    // One read of the DOM, so the numbers and the note come from the same paint.
    const shown = await this.page.getByTestId('counter-requests').evaluate((counter: HTMLElement) => ({
      page: Number(counter.dataset['value']),
      gap: counter.dataset['gap'] ?? null,
      note: counter.querySelector('.counter-sub')?.textContent ?? '',
    }));
    const server = /server counted (\d+)/.exec(shown.note)?.[1];
    return { ...shown, server: server === undefined ? undefined : Number(server) };
  }

  /** Presses a toggle control (by its visible label) and waits until it shows the wanted state. */
  async setToggle(label: string, on: boolean): Promise<void> {
    const toggle = this.page.getByRole('button', { name: label });
    if ((await toggle.getAttribute('aria-pressed')) !== String(on)) await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe(String(on));
  }
}
