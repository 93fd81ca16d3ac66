import { type BrowserStack, startBrowserStack } from '../support/browserStack';
import { buildDemo } from './buildDemo';

/** The real pieces the demo runs on: its built page, the devserver serving it, Chromium. */
export type DemoStack = BrowserStack;

/**
 * Default-template tokens live 10 s (refresh and cutoff at 5 s), so a whole refresh cycle fits in
 * a test. `supabase` lives 20 s (refresh at 10 s, cutoff at 15 s): a key that is refreshed while
 * its token is still served, which a 10 s token never is (its margin equals `minValidity`).
 */
export const STACK_TTL = 10;
export const SUPABASE_TTL = 20;

export async function startDemoStack(): Promise<DemoStack> {
  return startBrowserStack(await buildDemo(), { ttl: STACK_TTL, templates: { supabase: { ttl: SUPABASE_TTL } } });
}
