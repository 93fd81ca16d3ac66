import type { DrivenLibrary } from './library';
import { packageVersion } from './packageVersion';

let instances = 0;

/**
 * Supabase's auth client (`@supabase/auth-js`, the `supabase.auth` of supabase-js) in its browser
 * defaults: auto-refresh on, session persisted to localStorage. GoTrue's `/token` protocol.
 */
export const supabase: DrivenLibrary = {
  kind: 'driven',
  server: 'peer',
  id: 'supabase',
  name: 'Supabase',
  pkg: packageVersion('@supabase/auth-js'),
  call: '(await auth.getSession()).data.session.access_token',
  setup: 'browser defaults (autoRefreshToken, persistSession to localStorage); detectSessionInUrl off; its own storage key per instance',
  async open(env, ttl) {
    const { GoTrueClient } = await import('@supabase/auth-js');
    const server = await env.peerServer(ttl);
    const auth = new GoTrueClient({
      url: `${server.url}/auth/v1`,
      storageKey: `sb-bench-${++instances}`,
      autoRefreshToken: true,
      persistSession: true,
      detectSessionInUrl: false,
      fetch: (...args: Parameters<typeof fetch>) => globalThis.fetch(...args),
    });
    const { error } = await auth.signInWithPassword({ email: 'bench@example.invalid', password: 'bench' });
    if (error) throw error;
    return {
      async getToken() {
        const { data, error: failure } = await auth.getSession();
        if (failure) throw failure;
        return data.session?.access_token ?? null;
      },
      async close() {
        await auth.stopAutoRefresh();
        // Its cross-tab channel would keep this process alive.
        (auth as unknown as { broadcastChannel?: { close(): void } | null }).broadcastChannel?.close();
      },
    };
  },
};
