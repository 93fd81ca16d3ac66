/**
 * `npm run bench`: every library, one process, the same local token servers, one table and one
 * chart. Options: `--quick` (smaller sizes, fewer repeats), `--only=<id>[,<id>]`,
 * `--repeats=<n>`, `--libraries=<id>[,<id>]` (those columns only; implies `--no-write`), `--no-write`
 * (print only; leave docs/bench.svg, bench/RESULTS.md and the README table alone).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createBench } from './harness/env';
import { physicalLimits } from './harness/physicalLimits';
import { formatNumber, realMs } from './harness/stats';
import { renderReadmeTable, replaceReadmeTable } from './report/readme';
import type { Row } from './results';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const quick = flag('quick');
const repeats = Number(option('repeats') ?? (quick ? 1 : 3));
const only = option('only')?.split(',');
const columns = option('libraries')?.split(',');

// Globals, clock and the loopback-only fetch go in before any peer library is loaded.
const bench = await createBench();
const { libraries: allLibraries } = await import('./libraries/index');
const libraries = columns ? allLibraries.filter((library) => columns.includes(library.id)) : allLibraries;
const { scenarios } = await import('./scenarios/index');
const { renderLibraries, renderTable } = await import('./report/table');
const { renderSvg } = await import('./report/svg');

const log = (message: string) => process.stderr.write(`${message}\n`);
// Read before any scenario moves the benchmark's clock.
const today = new Date().toISOString().slice(0, 10);
const started = realMs();
const rows: Row[] = [];
try {
  const limits = await physicalLimits(bench);
  log(`physical limits: failed request ${formatNumber(limits.failedRequestMs)} ms, token round trip: devserver ${formatNumber(limits.tokenRoundTripMs)} ms, peer server ${formatNumber(limits.peerRoundTripMs)} ms`);
  for (const scenario of scenarios) {
    if (only && !only.includes(scenario.id)) continue;
    log(`${scenario.title}`);
    rows.push(...(await scenario.run({ bench, libraries, repeats, quick, log })));
  }
} finally {
  await bench.close();
}

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, Node ${process.version}`;
const subtitle = `${quick ? 'quick run, ' : ''}${repeats} repeat(s) per median · ${machine} · ${today}`;
const table = renderTable({ rows, libraries });
const report = [
  `# tokenwarden benchmark results`,
  '',
  subtitle,
  '',
  table,
  '',
  'Libraries and how each is called:',
  renderLibraries(libraries),
  '',
].join('\n');
process.stdout.write(`${report}\n`);
log(`done in ${formatNumber((realMs() - started) / 1000)} s`);

if (!flag('no-write') && !only && !columns) {
  const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
  writeFileSync(root('docs/bench.svg'), renderSvg(rows, libraries, subtitle));
  writeFileSync(root('bench/RESULTS.md'), report);
  const readme = readFileSync(root('README.md'), 'utf8');
  writeFileSync(root('README.md'), replaceReadmeTable(readme, renderReadmeTable(rows, libraries, subtitle)));
  log('wrote docs/bench.svg, bench/RESULTS.md and the README table');
}
// Some peers leave timers or channels behind after close(); the run is over.
process.exit(0);
