import type { Library } from '../libraries/library';
import type { Row } from '../results';

const PANEL_WIDTH = 560;
const BAR_HEIGHT = 15;
const GAP = 4;
const LABEL_WIDTH = 110;
const VALUE_WIDTH = 120;
const COLUMNS = 2;
const COLOURS: Record<string, string> = { tokenwarden: '#2f7d32' };
const PEER_COLOUR = '#6b7f99';

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A hand-rolled chart: one small panel per table row, one bar per library, on a log scale (the
 * ratios span six orders of magnitude), lower is better. "n/a" and rule-only cells are written out,
 * never drawn as bars.
 */
export function renderSvg(rows: readonly Row[], libraries: readonly Library[], subtitle: string): string {
  const panelHeight = 34 + libraries.length * (BAR_HEIGHT + GAP) + 8;
  const panelRows = Math.ceil(rows.length / COLUMNS);
  const width = COLUMNS * PANEL_WIDTH + (COLUMNS + 1) * 16;
  const height = 70 + panelRows * (panelHeight + 14);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="600" fill="#1a1a1a">tokenwarden vs peers — lower is better (log scale, ratios)</text>`,
    `<text x="16" y="46" font-size="11" fill="#555">${xml(subtitle)}</text>`,
  ];
  rows.forEach((row, index) => {
    const x0 = 16 + (index % COLUMNS) * (PANEL_WIDTH + 16);
    const y0 = 62 + Math.floor(index / COLUMNS) * (panelHeight + 14);
    parts.push(`<g transform="translate(${x0},${y0})">`);
    parts.push(`<rect width="${PANEL_WIDTH}" height="${panelHeight}" rx="6" fill="#f7f8fa" stroke="#dde1e6"/>`);
    parts.push(`<text x="10" y="16" font-weight="600" fill="#1a1a1a">${xml(`${row.scenario}. ${row.label}`)}</text>`);
    parts.push(`<text x="10" y="29" fill="#666">${xml(row.unit)}</text>`);
    const values = libraries.map((l) => row.cells[l.id]).flatMap((cell) => (cell?.kind === 'value' && cell.value > 0 ? [cell.value] : []));
    const lo = values.length ? Math.min(...values) / 2 : 0.1;
    const hi = values.length ? Math.max(...values) * 1.5 : 10;
    const span = Math.max(Math.log10(hi) - Math.log10(lo), 1);
    const barSpace = PANEL_WIDTH - LABEL_WIDTH - VALUE_WIDTH - 10;
    const scale = (value: number) => Math.max(2, ((Math.log10(value) - Math.log10(lo)) / span) * barSpace);
    libraries.forEach((library, i) => {
      const y = 36 + i * (BAR_HEIGHT + GAP);
      const cell = row.cells[library.id];
      parts.push(`<text x="10" y="${y + BAR_HEIGHT - 4}" fill="#333">${xml(library.name)}</text>`);
      if (!cell || cell.kind !== 'value') {
        const text = !cell ? '' : cell.kind === 'na' ? 'n/a' : `rule: ${cell.text}`;
        parts.push(`<text x="${LABEL_WIDTH}" y="${y + BAR_HEIGHT - 4}" fill="#999" font-style="italic">${xml(text.length > 70 ? `${text.slice(0, 67)}…` : text)}</text>`);
        return;
      }
      const w = cell.value > 0 ? scale(cell.value) : 2;
      const colour = COLOURS[library.id] ?? PEER_COLOUR;
      parts.push(`<rect x="${LABEL_WIDTH}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" rx="2" fill="${colour}"${cell.lowerBound ? ' fill-opacity="0.55"' : ''}/>`);
      parts.push(`<text x="${(LABEL_WIDTH + w + 6).toFixed(1)}" y="${y + BAR_HEIGHT - 4}" fill="#1a1a1a">${xml(cell.text)}</text>`);
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}
