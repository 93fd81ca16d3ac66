import type { Library } from '../libraries/library';
import type { Cell, Row } from '../results';

export interface TableInput {
  rows: Row[];
  libraries: readonly Library[];
}

function precise(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * The Markdown table, plus what a skeptic needs under it: the footnoted reasons for every "n/a",
 * the details behind numbers, and the rows where a peer does better than tokenwarden.
 */
export function renderTable({ rows, libraries }: TableInput): string {
  const notes: string[] = [];
  const noteIndex = new Map<string, number>();
  const note = (text: string) => {
    let index = noteIndex.get(text);
    if (index === undefined) {
      notes.push(text);
      index = notes.length;
      noteIndex.set(text, index);
    }
    return index;
  };
  const cellText = (cell: Cell | undefined): string => {
    if (!cell) return '';
    if (cell.kind === 'na') return `n/a [${note(cell.reason)}]`;
    if (cell.kind === 'rule') return `rule: ${cell.text}`;
    return cell.detail ? `${cell.text} [${note(cell.detail)}]` : cell.text;
  };

  const header = `| # | measure | unit | ${libraries.map((l) => l.name).join(' | ')} |`;
  const rule = `|---|---|---|${libraries.map(() => '---:').join('|')}|`;
  const lines = rows.map((row) => `| ${row.scenario} | ${escape(row.label)} | ${escape(row.unit)} | ${libraries.map((l) => escape(cellText(row.cells[l.id]))).join(' | ')} |`);

  const peerWins: string[] = [];
  for (const row of rows) {
    const ours = row.cells['tokenwarden'];
    if (!ours || ours.kind !== 'value') continue;
    for (const library of libraries) {
      const theirs = row.cells[library.id];
      if (library.id === 'tokenwarden' || !theirs || theirs.kind !== 'value' || theirs.lowerBound) continue;
      // Strictly lower, at full precision (a tie after rounding is still listed, with the digits).
      if (theirs.value < ours.value) peerWins.push(`- ${row.scenario} ${row.label}: ${library.name} ${precise(theirs.value)} vs tokenwarden ${precise(ours.value)}`);
    }
  }

  return [
    header,
    rule,
    ...lines,
    '',
    'Lower is better everywhere. Each figure is a median over repeated runs.',
    '',
    'Notes:',
    ...notes.map((text, i) => `[${i + 1}] ${text}`),
    '',
    'Where a peer does better than tokenwarden:',
    ...(peerWins.length ? peerWins : ['- nowhere in this run']),
  ].join('\n');
}

export function renderLibraries(libraries: readonly Library[]): string {
  return libraries
    .map((l) => (l.kind === 'driven' ? `- ${l.name} (${l.pkg}): \`${l.call}\`; ${l.setup}` : `- ${l.name} (${l.pkg}): ${l.reason}`))
    .join('\n');
}
