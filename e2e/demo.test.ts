import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DemoPage, PHONE_VIEWPORT, VIEWPORT } from './demo/demoPage';
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

/** "Requests made" and the server's count for the session agree, or the page says why they do not. */
async function expectCountsExplained(demo: DemoPage): Promise<{ page: number; server: number | undefined; gap: string | null }> {
  const counts = await demo.requestCounts();
  expect(counts.server, counts.note).toBeDefined();
  const server = counts.server as number;
  if (server === counts.page) {
    expect(counts).toMatchObject({ gap: 'same', note: expect.stringContaining('the same') });
  } else if (server > counts.page) {
    expect(counts.gap).toBe('more');
    expect(counts.note).toContain(`${server - counts.page} more from other tabs or resent by the browser after a dropped connection`);
  } else {
    expect(counts).toMatchObject({ gap: 'behind', note: expect.stringContaining('read once a second') });
  }
  return counts;
}

/** What the layout check found: any sideways scroll, overlapping or escaping timeline labels. */
interface LayoutReport {
  scrollWidth: number;
  viewport: number;
  overlaps: string[];
  outside: string[];
  /** Rows whose refresh and cutoff labels are shown apart / as one merged label. */
  apart: number;
  merged: number;
}

async function layoutReport(demo: DemoPage): Promise<LayoutReport> {
  return demo.page.evaluate(() => {
    const overlaps: string[] = [];
    const outside: string[] = [];
    let apart = 0;
    let merged = 0;
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="key-row"]')) {
      const track = (row.querySelector('.track') as HTMLElement).getBoundingClientRect();
      for (const line of row.querySelectorAll('.ticks')) {
        const labels = [...line.querySelectorAll<HTMLElement>('.tick')].filter((tick) => (tick.textContent ?? '') !== '');
        if (line.classList.contains('ticks-top')) {
          if (labels.length === 2) apart++;
          if (labels.length === 1 && /refresh.*cutoff/.test(labels[0]?.textContent ?? '')) merged++;
        }
        const boxes = labels.map((tick) => ({ text: tick.textContent ?? '', box: tick.getBoundingClientRect() }));
        for (const [i, a] of boxes.entries()) {
          if (a.box.left < track.left - 0.5 || a.box.right > track.right + 0.5) outside.push(`${row.dataset['key']}: "${a.text}"`);
          for (const b of boxes.slice(i + 1)) {
            if (a.box.left < b.box.right && b.box.left < a.box.right) overlaps.push(`${row.dataset['key']}: "${a.text}" / "${b.text}"`);
          }
        }
      }
    }
    return { scrollWidth: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth, overlaps, outside, apart, merged };
  });
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
    // And so is one that fills the console with errors (offline polling did, two a second).
    expect(pages.flatMap((demo) => demo.unexpectedConsoleErrors())).toEqual([]);
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
    await expect.poll(async () => (await expectCountsExplained(demo)).gap).toBe('same');
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

    // While the browser is offline the page sends nothing: no token request (the client knows it
    // is offline) and no devserver polling (each would fail and log a console error).
    const sentOffline: string[] = [];
    const onRequest = (request: { url(): string }): void => {
      sentOffline.push(new URL(request.url()).pathname);
    };
    await context.setOffline(true);
    demo.page.on('request', onRequest);
    await expect.poll(() => demo.pill('network')).toBe('offline');
    expect(await demo.pillText('network')).toBe('Browser offline');
    const banner = demo.page.getByTestId('offline-banner');
    await expect.poll(() => banner.getAttribute('data-state')).toBe('browser-offline');
    expect(await banner.textContent()).toMatch(/^Browser offline: getToken\(\) serves each cached token until its cutoff, without a request; with no usable token it rejects with OfflineError at once\./);
    const served = await demo.callGetToken();
    expect(served).toMatchObject({ outcome: 'token', cacheHit: true });

    await demo.waitForRow('default', (row) => row.phase === 'expired' && row.jti === cached.jti, 12_000);
    const refused = await demo.callGetToken();
    expect(refused.outcome).toBe('OfflineError');
    expect(refused.ms).toBeLessThan(100);
    expect(refused.text).toContain('OfflineError');
    await expect.poll(() => demo.page.getByTestId('offline-banner').isVisible()).toBe(true);
    expect(await demo.page.getByTestId('offline-banner').textContent()).toContain('OfflineError');

    expect(await banner.textContent()).toContain('No usable token now: default');
    demo.page.off('request', onRequest);
    expect(sentOffline).toEqual([]);

    const requestsBefore = requestsFor(sessionId);
    const tokensBefore = await tokenCounts(demo);
    await context.setOffline(false);
    const fresh = await demo.waitForRow('default', (row) => row.jti !== cached.jti && row.phase === 'fresh', 3_000);
    // Minted once the cached token had stopped being served: its cutoff is minValidity (5 s) before
    // exp, judged on the latest the server's clock can read (known to about a second).
    expect(fresh.iat!).toBeGreaterThanOrEqual(cached.exp! - 6);
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

    demo.expectFailedTokenRequests(); // the revoked session's token request is answered 401
    await demo.page.getByRole('button', { name: 'Revoke session' }).click();
    await expect.poll(() => demo.logEntries('session revoked').count()).toBe(1);
    expect(stack.server.control.sessions().find((session) => session.id === sessionId)?.status).toBe('revoked');
    // The client learns it at its next token request: the 10 s token's refresh, at most 5 s away.
    await expect.poll(() => demo.pill('session'), { timeout: 8_000 }).toBe('signed-out');
    await expect.poll(() => demo.page.getByTestId('signed-out').isVisible()).toBe(true);
    expect(await demo.page.getByTestId('signed-out-reason').textContent()).toBe('The session was revoked or ended: getToken() resolved null.');
    expect(await demo.logEntries('signed out').count()).toBeGreaterThanOrEqual(1);
    // Nothing left to call: the button is off and shows nothing of the old session.
    await expect.poll(() => demo.page.getByRole('button', { name: 'Call getToken() now' }).isDisabled()).toBe(true);
    expect(await demo.page.getByTestId('call-result').textContent()).toBe('Signed out: sign in to call getToken()');
  });

  it('3c. sign out: "You signed out", and "Call getToken() now" is disabled with its old result cleared', async () => {
    const demo = await open();
    const sessionId = await demo.signIn();
    await demo.waitForRow('default', (row) => row.tokens === 1);
    expect(await demo.callGetToken()).toMatchObject({ outcome: 'token', cacheHit: true });

    await demo.page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => demo.pill('session')).toBe('signed-out');
    expect(await demo.page.getByTestId('signed-out-reason').textContent()).toBe('You signed out.');
    expect(stack.server.control.sessions().find((session) => session.id === sessionId)?.status).toBe('ended');
    const button = demo.page.getByRole('button', { name: 'Call getToken() now' });
    await expect.poll(() => button.isDisabled()).toBe(true);
    const output = demo.page.getByTestId('call-result');
    expect(await output.textContent()).toBe('Signed out: sign in to call getToken()');
    expect(await output.getAttribute('data-outcome')).toBeNull();
    // Still true a few reads later: nothing the page does afterwards rewrites the reason.
    await demo.page.waitForTimeout(1_500);
    expect(await demo.page.getByTestId('signed-out-reason').textContent()).toBe('You signed out.');

    // Signing in again enables it, with a blank result.
    await demo.signIn();
    await expect.poll(() => button.isDisabled()).toBe(false);
    expect(await output.textContent()).toBe('No call yet');
  });

  it('3e. offline sign-out and controls: nothing is sent, the page says so, no console error', async () => {
    const demo = await open();
    const sessionId = await demo.signIn();
    await demo.waitForRow('default', (row) => row.tokens === 1);
    await context.setOffline(true);
    await expect.poll(() => demo.pill('network')).toBe('offline');

    await demo.page.getByRole('button', { name: 'Answer 503' }).click();
    await expect.poll(() => demo.logEntries('fault change failed').count()).toBe(1);
    expect(await demo.logEntries('fault change failed').first().locator('.log-detail').textContent()).toBe('faults not sent: the browser is offline');
    expect(stack.server.control.faults().errorRate).toBe(0);

    await demo.page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => demo.pill('session')).toBe('signed-out');
    expect(await demo.page.getByTestId('signed-out-reason').textContent()).toBe('You signed out.');
    expect(await demo.logEntries('sign-out request failed').first().locator('.log-detail').textContent()).toBe(
      'sign-out not sent: the browser is offline · signed out locally',
    );
    // Truthfully: the server never heard of it.
    expect(stack.server.control.sessions().find((session) => session.id === sessionId)?.status).toBe('active');
    await context.setOffline(false);
  });

  it('3d. server unreachable: cache served, then the retry budget and OfflineError, as the banner says; browser and server told apart', async () => {
    const demo = await open();
    demo.expectFailedTokenRequests(); // every token request is dropped on purpose
    await demo.signIn();
    const held = await demo.waitForRow('default', (row) => row.tokens === 1 && row.phase === 'fresh');

    await demo.setToggle('Server unreachable', true);
    const banner = demo.page.getByTestId('offline-banner');
    await expect.poll(() => banner.getAttribute('data-state')).toBe('server-unreachable');
    const said = (await banner.textContent()) ?? '';
    expect(said).toContain('Token server unreachable, browser online');
    expect(said).toContain('Keys with a valid token are served from cache');
    expect(said).toContain('retries for up to 10 s (the foreground retry budget), then rejects with OfflineError');
    expect(said).not.toMatch(/^Offline/);
    // The network pill says which network: the browser's is fine, the token server is not.
    expect(await demo.pill('network')).toBe('online');
    expect(await demo.pillText('network')).toBe('Browser online · token server unreachable');

    // A valid token: served from cache at once.
    expect(await demo.callGetToken()).toMatchObject({ outcome: 'token', cacheHit: true });

    // Past the cutoff with no way to refresh: the call retries for the budget, then OfflineError.
    await demo.waitForRow('default', (row) => (row.phase === 'cutoff' || row.phase === 'expired') && row.jti === held.jti, 8_000);
    const refused = await demo.callGetToken(20_000);
    expect(refused.outcome).toBe('OfflineError');
    // Not at once (that is the browser-offline case), and within the budget the banner names
    // (the engine gives up early when its next attempt would land past the caller's deadline).
    expect(refused.ms).toBeGreaterThan(1_000);
    expect(refused.ms).toBeLessThan(12_000);
    expect(await banner.textContent()).toContain('No usable token now: default');
    // Chromium sends a dropped request again by itself, so the server may count more than the page:
    // the page must say so.
    await expectCountsExplained(demo);

    await demo.setToggle('Server unreachable', false);
    await demo.waitForRow('default', (row) => row.phase === 'fresh' && row.jti !== held.jti, 12_000);
    await expect.poll(() => demo.pillText('network')).toBe('Browser online');
    await expect.poll(() => banner.isVisible(), { timeout: 3_000 }).toBe(false);
  }, 60_000);

  it('3b. a 5xx burst: the page keeps serving its valid token, and refreshes once the server recovers', async () => {
    const demo = await open();
    demo.expectFailedTokenRequests(); // the 503s
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

    // The offset pill: the estimate with its uncertainty when the engine bounds it, and then the
    // true offset (0: same machine) lies within what it shows.
    await expectOffsetShown(demo, 0);

    // Skew the server clock by 5 minutes: the client learns the offset from the next token.
    await demo.page.getByLabel('Server clock').selectOption('300000');
    await expect
      .poll(async () => Number(await demo.page.getByTestId('offset-pill').getAttribute('data-offset-ms')), { timeout: 8_000 })
      .toBeGreaterThan(298_000);
    await expectOffsetShown(demo, 300_000);
    const skewed = await demo.waitForRow('default', (row) => row.phase === 'fresh' && row.iat! * 1000 > Date.now() + 290_000);
    expect(skewed.exp! - skewed.iat!).toBe(STACK_TTL);

    // A server clock step costs at most one refused answer (set aside until a second confirms the
    // step), retried at once: no call was rejected.
    expect(await demo.counter('errors')).toBeLessThanOrEqual(1);
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

    // Two tabs: the server counts both, and the page says so.
    await expectCountsExplained(demo);

    // Sign-out ends the session on the server, and the other tab follows.
    await demo.page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => demo.pill('session')).toBe('signed-out');
    expect(await demo.page.getByTestId('signed-out-reason').textContent()).toBe('You signed out.');
    expect(stack.server.control.sessions().find((session) => session.id === sessionId)?.status).toBe('ended');
    await expect.poll(() => second.pill('session')).toBe('signed-out');
  });

  it('layout: no sideways scroll and no overlapping timeline labels, on a phone (390 px) and on a desktop', async () => {
    const demo = await open();
    await demo.signIn();
    for (const id of ['default', 'org', 'supabase']) await demo.waitForRow(id, (row) => row.tokens >= 1 && row.phase === 'fresh');
    await mkdir(ARTIFACTS, { recursive: true });
    for (const [name, viewport] of [['phone', PHONE_VIEWPORT], ['desktop', VIEWPORT]] as const) {
      await demo.page.setViewportSize(viewport);
      // A few repaints apart: labels move as tokens age and get replaced.
      for (let sample = 0; sample < 3; sample++) {
        await demo.page.waitForTimeout(400);
        const report = await layoutReport(demo);
        expect(report.scrollWidth, `${name}: page wider than the screen`).toBeLessThanOrEqual(report.viewport);
        expect(report.overlaps, name).toEqual([]);
        expect(report.outside, name).toEqual([]);
        // Every row labels its refresh and cutoff, apart or merged: the check above had labels to check.
        expect(report.apart + report.merged, name).toBe(3);
      }
      await demo.page.screenshot({ path: `${ARTIFACTS}demo-${name}.png`, fullPage: true });
    }
    // On a desktop the supabase key's refresh and cutoff (10 s and 15 s into 20 s) have room apart.
    expect((await layoutReport(demo)).apart).toBeGreaterThanOrEqual(1);
  });
});

/** The offset pill shows the engine's estimate; with bounds, as "x ± y" around the true offset. */
async function expectOffsetShown(demo: DemoPage, trueOffset: number): Promise<void> {
  const pill = demo.page.getByTestId('offset-pill');
  await expect
    .poll(async () => {
      const text = (await pill.textContent()) ?? '';
      const low = await pill.getAttribute('data-offset-low');
      const high = await pill.getAttribute('data-offset-high');
      if (low === null || high === null) return /^Clock offset [+−±]/.test(text) && !text.includes(' ± ');
      // Bounds are the engine's: a whole millisecond of rounding either way, no more.
      const inside = Number(low) - 1 <= trueOffset && trueOffset <= Number(high) + 1;
      return inside && /^Clock offset \S.* ± \d/.test(text);
    }, { timeout: 5_000 })
    .toBe(true);
}
