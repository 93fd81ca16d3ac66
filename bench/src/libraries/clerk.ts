import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pageScope } from '../harness/pageScope';
import type { DrivenLibrary } from './library';
import { packageVersion } from './packageVersion';

type ClerkModule = typeof import('@clerk/clerk-js');

/** The ESM build the package exports for `import` (the headless one: no UI bundle). */
const clerkBuild = pathToFileURL(join(dirname(createRequire(import.meta.url).resolve('@clerk/clerk-js')), 'clerk.mjs')).href;
let pages = 0;
const WARM_UP_CALLS = 2_000;

/**
 * Clerk's browser SDK, `@clerk/clerk-js`, loaded as a production instance against the peer server's
 * stand-in for its Frontend API (`servers/clerkFapi.ts`), reached through clerk-js's own `proxyUrl`
 * option. `clerk.load()` runs its standard-browser path (cookie service, session-token poller,
 * cross-tab token cache); the app then calls `clerk.session.getToken()`.
 *
 * One page per session: clerk-js keeps module-level singletons (the Clerk instance its resources
 * talk through, the client, the token cache and its BroadcastChannel), so each session imports a
 * fresh copy of the build, as each page load does in a browser. clerk-js has no call that stops its
 * poller, so `close()` is what closing the tab does (`harness/pageScope.ts`), after
 * `session.clearCache()` (its public call that clears the token cache and its timers).
 */
export const clerk: DrivenLibrary = {
  kind: 'driven',
  server: 'peer',
  id: 'clerk',
  name: 'Clerk',
  pkg: packageVersion('@clerk/clerk-js'),
  call: 'await clerk.session.getToken()',
  setup: 'production instance, proxyUrl to the local Frontend API stand-in; load({ telemetry: false }); standard browser, tab focused; a fresh copy of the build per session (one page), warmed up with one fetch and 2 000 cache hits before it is measured',
  async open(env, ttl) {
    const server = await env.peerServer(ttl);
    const { Clerk } = (await import(`${clerkBuild}?page=${++pages}`)) as ClerkModule;
    server.clerk.newSession();
    const page = pageScope();
    const instance = new Clerk(server.clerk.publishableKey, { proxyUrl: server.clerk.proxyUrl });
    try {
      await page.capture(() => instance.load({ telemetry: false }));
      if (!instance.session) throw new Error('clerk-js loaded without a session');
      // The other libraries' code is warm from earlier sessions in this process; a fresh copy of
      // clerk-js is not. Run its two paths (a fetch and cache hits) before anything is measured.
      await instance.session.getToken({ skipCache: true });
      for (let i = 0; i < WARM_UP_CALLS; i++) await instance.session.getToken();
    } catch (error) {
      page.close();
      throw error;
    }
    return {
      getToken: () => instance.session!.getToken(),
      async close() {
        instance.session?.clearCache();
        page.close();
      },
    };
  },
};
