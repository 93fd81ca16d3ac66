import { startDevServer, type DevServer } from '../../../packages/devserver/src/index';
import type { BenchEnv } from '../libraries/library';
import { startPeerServer, type PeerServer } from '../servers/peerServer';
import { installBrowserGlobals } from './browserGlobals';
import { NetworkSimulator } from './network';
import { TimeControl } from './timeControl';
import { createServer } from 'node:net';

export interface Bench extends BenchEnv {
  close(): Promise<void>;
}

/** A port that was free a moment ago and is closed now: offline requests are refused there. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Sets up the process before any peer library is imported (Firebase captures `fetch` at import):
 * the shared clock, the loopback-only network, the browser globals, and lazily started servers.
 */
export async function createBench(): Promise<Bench> {
  const net = new NetworkSimulator();
  const time = new TimeControl({ inFlight: () => net.inFlight });
  time.install();
  installBrowserGlobals();
  (globalThis as { fetch: unknown }).fetch = net.fetch;
  net.setClosedPort(await closedPort());

  const devservers = new Map<number, Promise<DevServer>>();
  const peerServers = new Map<number, Promise<PeerServer>>();
  const quiet = () => undefined;
  return {
    net,
    time,
    devserver(ttl) {
      let server = devservers.get(ttl);
      if (!server) {
        server = startDevServer({ port: 0, ttl, now: () => time.trueNow(), onError: quiet });
        devservers.set(ttl, server);
      }
      return server;
    },
    peerServer(ttl) {
      let server = peerServers.get(ttl);
      if (!server) {
        server = startPeerServer({ ttl, now: () => time.trueNow() });
        peerServers.set(ttl, server);
      }
      return server;
    },
    async close() {
      for (const server of [...devservers.values(), ...peerServers.values()]) await (await server).close();
      net.closeIdle();
    },
  };
}
