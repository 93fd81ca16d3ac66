import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DemoPage, VIEWPORT } from './demo/demoPage';
import { STACK_TTL, startDemoStack, type DemoStack } from './demo/demoStack';

const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url));
const SCREENSHOT = `${ARTIFACTS}demo.png`;
/** `UPDATE_DEMO_SCREENSHOT=1 npx vitest run e2e/demo.test.ts` refreshes the README's picture. */
const DOCS_SCREENSHOT = fileURLToPath(new URL('../docs/demo.png', import.meta.url));

// The demo page (apps/demo), built with Vite, served by the real devserver, in Debian's Chromium.
// Real time throughout: these are the token lifetimes a person watches on the page.
/** Tokens accepted so far for default, org and supabase, as their rows show. */
async function tokenCounts(demo: DemoPage): Promise<number[]> {
  return Promise.all(['default', 'org', 'supabase'].map(async (id) => (await demo.readRow(id)).tokens));
}

describe('demo page in Chromium against the real devserver', () => {
  let stack: DemoStack;
  let context: BrowserContext;
  let pages: DemoPage[] = [];

  const open = async (): Promise<DemoPage> => {
    const demo = await DemoPage.open(context, stack.url);
    pages.push(demo);
    return demo;
  };
  /** Server-side count of token requests for one session (every template, every attempt). */
  const requestsFor = (sessionId: string): number => stack.server.control.stats().bySession[sessionId] ?? 0;

  beforeAll(async () => {
    stack = await startDemoStack();
  });
  afterAll(async () => {
    await stack?.close();
  });
  beforeEach(async () => {
    stack.server.control.reset();
    context = await stack.chromium.browser.newContext({ viewport: VIEWPORT });
    pages = [];
  });
  afterEach(async () => {
    await context.close();
    // A page that threw is a broken demo, whatever the assertions saw.
    expect(pages.flatMap((demo) => demo.pageErrors.map(String))).toEqual([]);
    expect(stack.serverErrors).toEqual([]);
  });

  it('1. sign in: a token appears, is refreshed before expiry, one request per key per cycle', async () => {
    const demo = await open();
    const sessionId = await demo.signIn();

    const first = await demo.waitForRow('default', (row) => row.tokens === 1 && row.phase === 'fresh');
    expect(first.exp! - first.iat!).toBe(STACK_TTL);
    await demo.page.getByRole('button', { name: 'Show the decoded claims of the default token' }).click();
    await expect.poll(() => demo.page.locator('[data-testid="claims"] [data-claim="sid"] code').textContent()).toBe(sessionId);

    // The next token arrives while the first is still valid: a proactive refresh, not a read that waited.
    const second = await demo.waitForRow('default', (row) => row.tokens === 2, 8_000);
    expect(second.jti).not.toBe(first.jti);
    expect(second.iat!).toBeLessThan(first.exp!);
    const started = demo.logEntries('fetch started', 'default').first();
    await expect.poll(() => started.locator('.log-detail').textContent()).toMatch(/current token expires in \d+\.\d s/);

    // One more cycle, then compare the page's counts with the devserver's at a quiet moment
    // (mid-cycle: the next refresh is seconds away).
    await demo.waitForRow('default', (row) => row.tokens === 3, 8_000);
    await demo.waitForRow('org', (row) => row.tokens === 3);
    await demo.page.waitForTimeout(1_000);
    const tokens = {
      default: (await demo.readRow('default')).tokens,
      org: (await demo.readRow('org')).tokens,
      supabase: (await demo.readRow('supabase')).tokens,
    };
    // Three tokens in two 5 s cycles despite three reads a second: one request per key per cycle.
    expect([tokens.default, tokens.org]).toEqual([3, 3]);
    const stats = stack.server.control.stats();
    expect(stats.byTemplate).toEqual({ default: tokens.default + tokens.org, supabase: tokens.supabase });
    const total = tokens.default + tokens.org + tokens.supabase;
    expect(requestsFor(sessionId)).toBe(total);
    expect(await demo.counter('requests')).toBe(total);
    expect(await demo.counter('errors')).toBe(0);
    expect(await demo.counter('hits')).toBeGreaterThan(20);

    expect(await demo.callGetToken()).toMatchObject({ outcome: 'token', cacheHit: true });

    await mkdir(ARTIFACTS, { recursive: true });
    await demo.page.screenshot({ path: SCREENSHOT, fullPage: true });
    if (process.env['UPDATE_DEMO_SCREENSHOT']) await copyFile(SCREENSHOT, DOCS_SCREENSHOT);
  });

  it('2. offline: the cached token is still served; once expired, OfflineError in under 100 ms; back online, a fresh token without a reload', async () => {
    const demo = await open();
    const sessionId = await demo.signIn();
    const cached = await demo.waitForRow('default', (row) => row.tokens === 1 && row.phase === 'fresh');
    const loadedAt = await demo.page.evaluate(() => performance.timeOrigin);

    await context.setOffline(true);
    await expect.poll(() => demo.pill('network')).toBe('offline');
    const served = await demo.callGetToken();
    expect(served).toMatchObject({ outcome: 'token', cacheHit: true });

    await demo.waitForRow('default', (row) => row.phase === 'expired' && row.jti === cached.jti, 12_000);
    const refused = await demo.callGetToken();
    expect(refused.outcome).toBe('OfflineError');
    expect(refused.ms).toBeLessThan(100);
    expect(refused.text).toContain('OfflineError');
    await expect.poll(() => demo.page.getByTestId('offline-banner').isVisible()).toBe(true);
    expect(await demo.page.getByTestId('offline-banner').textContent()).toContain('OfflineError');

    const requestsBefore = requestsFor(sessionId);
    const tokensBefore = await tokenCounts(demo);
    await context.setOffline(false);
    const fresh = await demo.waitForRow('default', (row) => row.jti !== cached.jti && row.phase === 'fresh', 3_000);
    expect(fresh.iat!).toBeGreaterThanOrEqual(cached.exp!);
    // Timed in the page: from the browser's online event to the fresh token, one local round trip.
    const onlineAt = (await demo.loggedAt('online')) as number;
    const acceptedAt = (await demo.loggedAt('token accepted', 'default')) as number;
    expect(acceptedAt - onlineAt).toBeGreaterThanOrEqual(0);
    expect(acceptedAt - onlineAt).toBeLessThan(500);
    for (const id of ['default', 'org', 'supabase']) await demo.waitForRow(id, (row) => row.phase === 'fresh' && !row.refreshing);
    // One round trip: every key that was due made exactly one request, and each brought a token.
    let gained: number[] = [];
    await expect
      .poll(async () => {
        gained = (await tokenCounts(demo)).map((count, i) => count - (tokensBefore[i] ?? 0));
        return requestsFor(sessionId) - requestsBefore - gained.reduce((sum, n) => sum + n, 0);
      })
      .toBe(0);
    expect(gained.slice(0, 2)).toEqual([1, 1]);
    expect(gained[2]).toBeLessThanOrEqual(1);
    // No attempt failed: the first request after the online event went through, no retry or backoff.
    expect(await demo.logEntries('refresh failed').count()).toBe(0);
    expect(await demo.page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
    expect(await demo.callGetToken()).toMatchObject({ outcome: 'token', cacheHit: true });
    await expect.poll(() => demo.page.getByTestId('offline-banner').isVisible()).toBe(false);
  });

  it('3a. revoking the session: getToken() resolves null and the page shows the signed-out state', async () => {
    const demo = await open();
    const sessionId = await demo.signIn();
    await demo.waitForRow('default', (row) => row.tokens === 1);

    await demo.page.getByRole('button', { name: 'Revoke session' }).click();
    await expect.poll(() => demo.logEntries('session revoked').count()).toBe(1);
    expect(stack.server.control.sessions().find((session) => session.id === sessionId)?.status).toBe('revoked');
    // The client learns it at its next token request: the 10 s token's refresh, at most 5 s away.
    await expect.poll(() => demo.pill('session'), { timeout: 8_000 }).toBe('signed-out');
    await expect.poll(() => demo.page.getByTestId('signed-out').isVisible()).toBe(true);
    expect(await demo.page.getByTestId('signed-out-reason').textContent()).toContain('null');
    expect(await demo.logEntries('signed out').count()).toBeGreaterThanOrEqual(1);

    const call = await demo.callGetToken();
    expect(call.outcome).toBe('signed-out');
    expect(call.text).toContain('null');
  });

  it('3b. a 5xx burst: the page keeps serving its valid token, and refreshes once the server recovers', async () => {
    const demo = await open();
    await demo.signIn();
    const held = await demo.waitForRow('supabase', (row) => row.tokens === 1 && row.phase === 'fresh');

    await demo.setToggle('Answer 503', true);
    // supabase's refresh (at 10 s of its 20 s life) meets the 503s; its token stays in use.
    const failed = demo.logEntries('refresh failed', 'supabase').first();
    await expect.poll(() => failed.count(), { timeout: 14_000 }).toBe(1);
    expect(await failed.locator('.log-detail').textContent()).toContain('TokenFetchError 503');
    const during = await demo.readRow('supabase');
    expect(during).toMatchObject({ jti: held.jti, phase: 'refresh-due' });
    // Reads after the failure are still answered from the cache, with the same token.
    await demo.waitForRow('supabase', (row) => row.lastRead === 'hit' && row.jti === held.jti);
    expect(await demo.pill('session')).toBe('signed-in');

    await demo.setToggle('Answer 503', false);
    const recovered = await demo.waitForRow('supabase', (row) => row.jti !== held.jti, 6_000);
    expect(recovered.phase).toBe('fresh');
    expect(await demo.logEntries('signed out').count()).toBe(0);
    expect(await demo.pill('session')).toBe('signed-in');
  });

  it('controls and claims: every control labelled, claims without the raw token, server clock skew learned', async () => {
    const seenTokens: string[] = [];
    context.on('response', async (response) => {
      if (/\/tokens(\/|$)/.test(new URL(response.url()).pathname) && response.ok()) {
        seenTokens.push(((await response.json()) as { jwt: string }).jwt);
      }
    });
    const demo = await open();
    await demo.signIn();
    await demo.waitForRow('supabase', (row) => row.tokens === 1);

    // Every control has an accessible name: a visible label, a <label for>, or aria-label.
    const unnamed = await demo.page.evaluate(() =>
      [...document.querySelectorAll('button, input, select')]
        .filter((control) => {
          const labelled = control.id !== '' && document.querySelector(`label[for="${control.id}"]`) !== null;
          return !labelled && !control.getAttribute('aria-label') && !(control.textContent ?? '').trim();
        })
        .map((control) => control.outerHTML),
    );
    expect(unnamed).toEqual([]);

    // Claims on click: the payload is shown; no token, header or signature ever reaches the page.
    await demo.page.getByRole('button', { name: 'Show the decoded claims of the supabase token' }).click();
    await expect.poll(() => demo.page.locator('[data-testid="claims"] [data-claim="role"] code').textContent()).toBe('authenticated');
    expect(seenTokens.length).toBeGreaterThanOrEqual(3);
    const html = await demo.page.content();
    for (const token of seenTokens) {
      const [header, , signature] = token.split('.');
      expect(html).not.toContain(signature);
      expect(html).not.toContain(header);
    }

    // Skew the server clock by 5 minutes: the client learns the offset from the next token.
    await demo.page.getByLabel('Server clock').selectOption('300000');
    await expect
      .poll(async () => Number(await demo.page.getByTestId('offset-pill').getAttribute('data-offset-ms')), { timeout: 8_000 })
      .toBeGreaterThan(298_000);
    const skewed = await demo.waitForRow('default', (row) => row.phase === 'fresh' && row.iat! * 1000 > Date.now() + 290_000);
    expect(skewed.exp! - skewed.iat!).toBe(STACK_TTL);

    expect(await demo.counter('errors')).toBe(0);
  });

  it('another tab: same URL and session, tokens shared (one request per key per cycle), sign-out reaches it', async () => {
    const demo = await open();
    const sessionId = await demo.signIn();
    await demo.waitForRow('default', (row) => row.tokens === 1);
    expect(await demo.pill('sync')).toBe('on');

    const [popup] = await Promise.all([context.waitForEvent('page'), demo.page.getByRole('button', { name: 'Open another tab' }).click()]);
    const second = DemoPage.adopt(popup);
    pages.push(second);
    await popup.waitForLoadState();
    expect(popup.url()).toBe(stack.url);
    await second.expectSignedIn();
    expect(await popup.getByTestId('session-pill').textContent()).toContain(sessionId.slice(0, 13));
    for (const id of ['default', 'org', 'supabase']) await second.waitForRow(id, (row) => row.tokens >= 1 && !row.refreshing);

    // Once the second tab's first tokens have reached the first tab, both hold the same token per key.
    const inStep = async (): Promise<boolean> => {
      for (const id of ['default', 'org', 'supabase']) {
        const [mine, theirs] = [await demo.readRow(id), await second.readRow(id)];
        if (mine.jti !== theirs.jti || mine.refreshing || theirs.refreshing) return false;
      }
      return true;
    };
    await expect.poll(inStep).toBe(true);

    // A full refresh cycle with both tabs reading every key every second.
    const before = { requests: requestsFor(sessionId), first: await tokenCounts(demo), second: await tokenCounts(second) };
    const { jti: defaultJti } = await demo.readRow('default');
    const { jti: orgJti } = await demo.readRow('org');
    await demo.waitForRow('default', (row) => row.jti !== defaultJti, 8_000);
    await demo.waitForRow('org', (row) => row.jti !== orgJti);
    await expect.poll(inStep).toBe(true);
    await demo.page.waitForTimeout(300);
    const firstGained = (await tokenCounts(demo)).map((count, i) => count - before.first[i]!);
    const secondGained = (await tokenCounts(second)).map((count, i) => count - before.second[i]!);
    expect(secondGained).toEqual(firstGained);
    // Each token was fetched once and shared, not fetched by both tabs.
    expect(requestsFor(sessionId) - before.requests).toBe(firstGained.reduce((sum, n) => sum + n, 0));
    const shared = (await demo.logEntries('token accepted').allTextContents()).concat(await second.logEntries('token accepted').allTextContents());
    expect(shared.some((line) => line.includes('shared by another tab'))).toBe(true);

    // Sign-out ends the session on the server, and the other tab follows.
    await demo.page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => demo.pill('session')).toBe('signed-out');
    expect(stack.server.control.sessions().find((session) => session.id === sessionId)?.status).toBe('ended');
    await expect.poll(() => second.pill('session')).toBe('signed-out');
  });
});
