/**
 * Draws `docs/fleet-scale.svg` from every scale table in `bench/SCALE.md`: the chart shows what
 * the tables hold, including rows measured in separate runs (the 100 000-key rows take about
 * 12 minutes each). `npm run bench`'s fleet section calls this after writing the tables.
 *
 *   node --import tsx bench/src/scaleChart.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseScaleTables } from './report/scaleMarkdown';
import { renderScaleSvg } from './report/scaleSvg';

export const SCALE_MD = fileURLToPath(new URL('../SCALE.md', import.meta.url));
export const SCALE_SVG = fileURLToPath(new URL('../../docs/fleet-scale.svg', import.meta.url));

export function writeScaleChart(): void {
  const rows = parseScaleTables(readFileSync(SCALE_MD, 'utf8'));
  const subtitle = '1 000 and 10 000 keys: 30 s tokens; 100 000 keys: 300 s tokens; one measured cycle after one settling cycle (bench/SCALE.md)';
  writeFileSync(SCALE_SVG, renderScaleSvg(rows, subtitle));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeScaleChart();
  process.stderr.write(`wrote ${SCALE_SVG}\n`);
}
