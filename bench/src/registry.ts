import type { Bench } from './harness/env';
import type { Library } from './libraries/library';
import type { Row } from './results';

export interface RunOptions {
  /** Repetitions behind each median. */
  repeats: number;
  /** Smaller sizes and shorter simulated runs, for a smoke run. */
  quick: boolean;
}

export interface ScenarioContext extends RunOptions {
  bench: Bench;
  libraries: readonly Library[];
  log(message: string): void;
}

/**
 * One benchmark scenario. A scenario owns its file, returns table rows, and is listed once in
 * `scenarios/index.ts` (that list is the registry: its order is the table's order). A scenario
 * that needs a service the machine may lack (e.g. redis-server) checks for it in `run` and
 * returns rows of "n/a" cells with the reason instead of failing the whole run.
 */
export interface Scenario {
  /** Short id for `--only`, e.g. "cold". */
  id: string;
  title: string;
  run(context: ScenarioContext): Promise<Row[]>;
}

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
