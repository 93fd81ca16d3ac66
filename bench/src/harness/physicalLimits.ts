import type { Bench } from './env';
import { median, realMs } from './stats';

/**
 * The floors the time-valued scenarios are divided by, measured on this machine in this run:
 * what one failed request costs (a connection refused on loopback) and what one successful token
 * round trip costs (a bare POST to the devserver's token endpoint, no library involved).
 */
export interface PhysicalLimits {
  failedRequestMs: number;
  /** One token round trip to the devserver (tokenwarden's server). */
  tokenRoundTripMs: number;
  /** One token round trip to the peer-protocol server (a GoTrue refresh, the simplest of its grants). */
  peerRoundTripMs: number;
}

/** The round trip a library's own server takes: each library is divided by its own server's cost. */
export function roundTripFor(limits: PhysicalLimits, server: 'devserver' | 'peer'): number {
  return server === 'devserver' ? limits.tokenRoundTripMs : limits.peerRoundTripMs;
}

export async function measurePhysicalLimits(bench: Bench, samples = 31): Promise<PhysicalLimits> {
  const server = await bench.devserver(60);
  const { sessionId, cookie } = server.control.signIn();
  const tokenUrl = `${server.url}/v1/client/sessions/${sessionId}/tokens`;
  const peer = await bench.peerServer(60);
  const peerUrl = `${peer.url}/auth/v1/token?grant_type=refresh_token`;
  const roundTrips: number[] = [];
  const peerTrips: number[] = [];
  const failures: number[] = [];
  for (let i = 0; i < samples; i++) {
    let start = realMs();
    const response = await bench.net.fetch(tokenUrl, { method: 'POST', headers: { cookie } });
    await response.json();
    roundTrips.push(realMs() - start);
    start = realMs();
    const peerResponse = await bench.net.fetch(peerUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"refresh_token":"rt"}' });
    await peerResponse.json();
    peerTrips.push(realMs() - start);
  }
  bench.net.setOnline(false);
  try {
    for (let i = 0; i < samples; i++) {
      const start = realMs();
      await bench.net.fetch(tokenUrl, { method: 'POST', headers: { cookie } }).catch(() => undefined);
      failures.push(realMs() - start);
    }
  } finally {
    bench.net.setOnline(true);
  }
  return { failedRequestMs: median(failures), tokenRoundTripMs: median(roundTrips), peerRoundTripMs: median(peerTrips) };
}

let cached: Promise<PhysicalLimits> | undefined;

/** Measured once per run, shared by the scenarios that need it. */
export function physicalLimits(bench: Bench): Promise<PhysicalLimits> {
  cached ??= measurePhysicalLimits(bench);
  return cached;
}
