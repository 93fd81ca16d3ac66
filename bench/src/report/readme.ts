import type { Library } from '../libraries/library';
import type { Cell, Row } from '../results';

/** The README's short table: these rows, under these labels, from the same run as RESULTS.md. */
export const README_ROWS: ReadonlyArray<{ id: string; label: string }> = [
  { id: 'cache-hit', label: 'cache-hit call (× Promise.resolve)' },
  { id: 'hit-floor-default', label: 'cache hit, default key (× physical floor)' },
  { id: 'hit-floor-keyed', label: 'cache hit, template + organization + audience, fresh object (× floor)' },
  { id: 'hit-floor-keyed-reused', label: 'the same, one options object reused (× floor)' },
  { id: 'cold-10000', label: 'requests, 10 000 concurrent cold calls' },
  { id: 'offline-none', label: 'offline, no valid token (× one failed request)' },
  { id: 'reconnect', label: 'network back → fresh token (× its round trip)' },
  { id: 'hour', label: 'requests per session-hour, 60 s tokens (× ideal 60)' },
  { id: 'hour-waits', label: 'reads that waited on the network, same hour' },
  { id: 'skew-requests', label: 'clock +10 min, 5-min tokens: requests per lifetime' },
  { id: 'offset-ahead-10', label: 'server clock +10 min: learned offset error after 10 fetches (ms)' },
  { id: 'offset-behind-10', label: 'server clock −10 min: learned offset error after 10 fetches (ms)' },
];

export const README_START = '<!-- bench-table:start (written by npm run bench) -->';
export const README_END = '<!-- bench-table:end -->';

function text(cell: Cell | undefined): string {
  if (!cell || cell.kind === 'na') return 'n/a';
  if (cell.kind === 'rule') return `rule: ${cell.text}`;
  return cell.text;
}

/** The README table (no footnotes: RESULTS.md has them), one column per library. */
export function renderReadmeTable(rows: readonly Row[], libraries: readonly Library[], subtitle: string): string {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const lines = [
    `| measure | ${libraries.map((l) => l.name).join(' | ')} |`,
    `|---|${libraries.map(() => '--:').join('|')}|`,
  ];
  for (const { id, label } of README_ROWS) {
    const row = byId.get(id);
    if (!row) continue;
    lines.push(`| ${label} | ${libraries.map((l) => text(row.cells[l.id]).replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return [README_START, '', `_${subtitle}_`, '', ...lines, '', README_END].join('\n');
}

/** README text with the block between the markers replaced; unchanged if the markers are missing. */
export function replaceReadmeTable(readme: string, block: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) return readme;
  return readme.slice(0, start) + block + readme.slice(end + README_END.length);
}
