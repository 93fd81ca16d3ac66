import type { Scenario } from '../registry';
import { cacheHit } from './cacheHit';
import { hitFloor } from './hitFloor';
import { clockOffset } from './clockOffset';
import { clockSkew } from './clockSkew';
import { coldConcurrency } from './coldConcurrency';
import { offline } from './offline';
import { reconnect } from './reconnect';
import { scale } from './scale';
import { sessionHour } from './sessionHour';

/**
 * The registry: every scenario, in table order. To add one (e.g. a Redis fleet benchmark:
 * requests per key per cycle for 1, 4 and 8 instances), write `scenarios/<name>.ts` exporting
 * `defineScenario({ id, title, run })` and add it here. `npm run bench -- --only=<id>` runs it alone.
 */
export const scenarios: Scenario[] = [cacheHit, hitFloor, coldConcurrency, offline, reconnect, sessionHour, clockSkew, clockOffset, scale];
