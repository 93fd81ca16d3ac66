import { createTokenClient } from '../../../packages/tokenwarden/src/index';
import { httpTokenSource } from '../../../packages/tokenwarden/src/sources/index';
import type { DrivenLibrary } from './library';

/** tokenwarden from this repository's sources, with its defaults, against the reference devserver. */
export const tokenwarden: DrivenLibrary = {
  kind: 'driven',
  server: 'devserver',
  id: 'tokenwarden',
  name: 'tokenwarden',
  pkg: 'tokenwarden (this repo, sources)',
  call: 'await client.getToken()',
  setup: 'defaults; httpTokenSource against the devserver; browser-default network and wake sources',
  async open(env, ttl) {
    const server = await env.devserver(ttl);
    const { sessionId, cookie } = server.control.signIn();
    const client = createTokenClient({ fetchToken: httpTokenSource({ baseUrl: server.url, sessionId, headers: { cookie } }) });
    await client.getToken();
    return {
      getToken: () => client.getToken(),
      close: async () => client.destroy(),
      refresh: () => client.getToken({ skipCache: true }),
      learnedClockOffset() {
        const { serverOffset, serverOffsetBounds } = client.snapshot();
        return { estimate: serverOffset, bounds: serverOffsetBounds };
      },
    };
  },
};
