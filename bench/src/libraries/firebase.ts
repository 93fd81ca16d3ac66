import type { DrivenLibrary } from './library';
import { packageVersion } from './packageVersion';

let instances = 0;

/**
 * Firebase Auth (modular SDK) pointed at the local server through its own `connectAuthEmulator`,
 * which is how Firebase itself runs against a local token service. Anonymous sign-in.
 */
export const firebase: DrivenLibrary = {
  kind: 'driven',
  server: 'peer',
  id: 'firebase',
  name: 'Firebase',
  pkg: packageVersion('firebase'),
  call: 'await auth.currentUser.getIdToken()',
  setup: 'initializeAuth with inMemoryPersistence; connectAuthEmulator to the local server; no onIdTokenChanged listener',
  async open(env, ttl) {
    const { initializeApp, deleteApp } = await import('firebase/app');
    const { initializeAuth, inMemoryPersistence, connectAuthEmulator, signInAnonymously } = await import('firebase/auth');
    const server = await env.peerServer(ttl);
    const app = initializeApp({ apiKey: 'bench-key', projectId: 'bench', authDomain: '127.0.0.1' }, `bench-${++instances}`);
    const auth = initializeAuth(app, { persistence: inMemoryPersistence });
    connectAuthEmulator(auth, server.url, { disableWarnings: true });
    const { user } = await signInAnonymously(auth);
    return {
      getToken: () => user.getIdToken(),
      close: () => deleteApp(app),
    };
  },
};
