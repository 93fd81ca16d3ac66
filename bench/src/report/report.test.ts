import { describe, expect, it } from 'vitest';
import type { Library } from '../libraries/library';
import { measured, notAvailable, type Row } from '../results';
import { formatNumber, median } from '../harness/stats';
import { renderSvg } from './svg';
import { renderTable } from './table';

const libs = [
  { kind: 'driven', id: 'tokenwarden', name: 'tokenwarden' },
  { kind: 'driven', id: 'peer', name: 'Peer' },
  { kind: 'rules', id: 'ruled', name: 'Ruled', reason: 'not driven', rules: {} },
] as unknown as Library[];

const rows: Row[] = [
  { id: 'a', scenario: '1', label: 'cost', unit: '×', cells: { tokenwarden: measured(2, '2.0×'), peer: measured(1.5, '1.5×'), ruled: notAvailable('not driven: needs its API') } },
  { id: 'b', scenario: '2', label: 'requests', unit: 'n', cells: { tokenwarden: measured(1, '1'), peer: measured(100, '100', '100 of 100 callers fetched'), ruled: { kind: 'rule', text: '1 (rule)' } } },
];

describe('renderTable', () => {
  it('prints n/a with its reason, rule cells as rules, and details as notes', () => {
    const table = renderTable({ rows, libraries: libs });
    expect(table).toContain('| 1 | cost | × | 2.0× | 1.5× | n/a [1] |');
    expect(table).toContain('[1] not driven: needs its API');
    expect(table).toContain('rule: 1 (rule)');
    expect(table).toContain('100 [2]');
    expect(table).toContain('[2] 100 of 100 callers fetched');
  });

  it('says where a peer does better', () => {
    const table = renderTable({ rows, libraries: libs });
    expect(table).toContain('- 1 cost: Peer 1.5 vs tokenwarden 2');
    expect(table).not.toContain('- 2 requests: Peer');
  });
});

describe('renderSvg', () => {
  it('draws a bar per measured cell and writes n/a instead of a bar', () => {
    const svg = renderSvg(rows, libs, 'test run');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<rect x="110"/g)?.length).toBe(4);
    expect(svg).toContain('>n/a<');
    expect(svg).toContain('rule: 1 (rule)');
  });
});

describe('stats', () => {
  it('median and number formatting', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(formatNumber(0.01234)).toBe('0.012');
    expect(formatNumber(1.44)).toBe('1.4');
    expect(formatNumber(36000)).toBe('36 000');
  });
});

describe('renderReadmeTable', () => {
  const readmeRows: Row[] = [
    { id: 'cache-hit', scenario: '1', label: 'x', unit: '×', cells: { tokenwarden: measured(2, '2.0×'), peer: measured(1.5, '1.5×', 'detail'), ruled: notAvailable('no') } },
    { id: 'hour', scenario: '5', label: 'y', unit: '×', cells: { tokenwarden: measured(1.4, '1.4×'), peer: measured(2, '2.0×'), ruled: { kind: 'rule', text: '≈1.4×' } } },
  ];

  it('writes the chosen rows under their README labels, between the markers, replacing the old block', async () => {
    const { renderReadmeTable, replaceReadmeTable, README_START, README_END } = await import('./readme');
    const block = renderReadmeTable(readmeRows, libs, '3 repeat(s)');
    expect(block).toContain('| cache-hit call (× Promise.resolve) | 2.0× | 1.5× | n/a |');
    expect(block).toContain('| requests per session-hour, 60 s tokens (× ideal 60) | 1.4× | 2.0× | rule: ≈1.4× |');
    const readme = `intro\n${README_START}\nold table\n${README_END}\noutro`;
    const next = replaceReadmeTable(readme, block);
    expect(next).not.toContain('old table');
    expect(next.startsWith('intro\n')).toBe(true);
    expect(next.endsWith('\noutro')).toBe(true);
    expect(replaceReadmeTable('no markers', block)).toBe('no markers');
  });
});
