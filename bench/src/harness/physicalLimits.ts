import type { Bench } from './env';
import { median, realMs } from './stats';

/**
 * The floors the time-valued scenarios are divided by, measured on this machine in this run:
 * what one failed request costs (a connection refused on loopback) and what one successful token
 * round trip costs (a bare POST to the devserver's token endpoint, no library involved).
 */
export interface PhysicalLimits {
  failedRequestMs: number;
  tokenRoundTripMs: number;
}

export async function measurePhysicalLimits(bench: Bench, samples = 31): Promise<PhysicalLimits> {
  const server = await bench.devserver(60);
  const { sessionId, cookie } = server.control.signIn();
  const tokenUrl = `${server.url}/v1/client/sessions/${sessionId}/tokens`;
  const roundTrips: number[] = [];
  const failures: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = realMs();
    const response = await bench.net.fetch(tokenUrl, { method: 'POST', headers: { cookie } });
    await response.json();
    roundTrips.push(realMs() - start);
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
  return { failedRequestMs: median(failures), tokenRoundTripMs: median(roundTrips) };
}

let cached: Promise<PhysicalLimits> | undefined;

/** Measured once per run, shared by the scenarios that need it. */
export function physicalLimits(bench: Bench): Promise<PhysicalLimits> {
  cached ??= measurePhysicalLimits(bench);
  return cached;
}
