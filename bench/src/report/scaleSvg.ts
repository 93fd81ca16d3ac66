import type { ScaleResult, Target } from '../fleetScale';

const PANEL_WIDTH = 330;
const PANEL_HEIGHT = 240;
const PLOT = { left: 52, right: 14, top: 40, bottom: 40 };
const INSTANCE_COLOURS = ['#2f7d32', '#1f5fa8', '#c2571a', '#7a3fa0', '#8a6d00'];
const TARGET_DASH: Record<Target, string> = { redis: '', cluster: '6 4', sharded: '10 3 2 3', down: '2 3' };
const TARGET_NAMES: Record<Target, string> = { redis: 'one Redis', cluster: 'cluster (3+3)', sharded: 'cluster, sharded pub/sub', down: 'Redis down' };

interface Panel {
  title: string;
  unit: string;
  /** The value of a row for this panel, or undefined when it has none (not drawn). */
  value(result: ScaleResult, all: readonly ScaleResult[]): number | undefined;
  format(value: number): string;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * Heap per key per instance: the slope from the next smaller key count of the same fleet (the
 * process's fixed part cancels out); none for the smallest.
 */
export function heapPerKey(all: readonly ScaleResult[], result: ScaleResult): number | undefined {
  const smaller = all
    .filter((other) => other.target === result.target && other.instances === result.instances && other.keys < result.keys)
    .sort((a, b) => b.keys - a.keys)[0];
  return smaller ? (result.heapBytesPerInstance - smaller.heapBytesPerInstance) / (result.keys - smaller.keys) : undefined;
}

const PANELS: Panel[] = [
  {
    title: 'token requests / key / cycle',
    unit: 'whole fleet; 1 = ideal, down = instances',
    value: (result) => result.requestsPerKeyPerCycle,
    format: (value) => value.toFixed(2),
  },
  {
    title: 'Redis scripts / key / cycle / instance',
    unit: 'coordinated fleets (down: none reach Redis)',
    value: (result) => (result.target === 'down' ? undefined : result.commandsPerKeyPerCyclePerInstance),
    format: (value) => value.toFixed(2),
  },
  {
    title: 'heap / key / instance',
    unit: 'bytes, slope from the next smaller key count',
    value: (result, all) => heapPerKey(all, result),
    format: (value) => `${Math.round(value)} B`,
  },
];

/**
 * How the fleet's figures grow with keys (x, log scale) and instances (one line per fleet size and
 * Redis set-up): one panel per figure. Flat lines are linear growth in total (per-key figures that
 * do not grow); a line that climbs with keys is growth faster than linear.
 */
export function renderScaleSvg(results: readonly ScaleResult[], subtitle: string): string {
  const keyCounts = [...new Set(results.map((result) => result.keys))].sort((a, b) => a - b);
  const instanceCounts = [...new Set(results.map((result) => result.instances))].sort((a, b) => a - b);
  const targets = [...new Set(results.map((result) => result.target))];
  // Only the fleets measured: a legend entry without a line would claim data that is not there.
  const series = targets.flatMap((target) => instanceCounts.filter((instances) => results.some((result) => result.target === target && result.instances === instances)).map((instances) => ({ target, instances })));
  const width = PANELS.length * PANEL_WIDTH + (PANELS.length + 1) * 16;
  const legendRows = Math.ceil(series.length / 4);
  const height = 62 + PANEL_HEIGHT + 16 + legendRows * 18 + 10;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="17" font-weight="600" fill="#1a1a1a">tokenwarden/redis: growth with keys and instances</text>`,
    `<text x="16" y="46" font-size="11" fill="#555">${xml(subtitle)}</text>`,
  ];
  const plotWidth = PANEL_WIDTH - PLOT.left - PLOT.right;
  const plotHeight = PANEL_HEIGHT - PLOT.top - PLOT.bottom;
  const xOf = (keys: number) => PLOT.left + (keyCounts.length === 1 ? plotWidth / 2 : (keyCounts.indexOf(keys) / (keyCounts.length - 1)) * plotWidth);
  PANELS.forEach((panel, index) => {
    const x0 = 16 + index * (PANEL_WIDTH + 16);
    parts.push(`<g transform="translate(${x0},58)">`);
    parts.push(`<rect width="${PANEL_WIDTH}" height="${PANEL_HEIGHT}" rx="6" fill="#f7f8fa" stroke="#dde1e6"/>`);
    parts.push(`<text x="10" y="16" font-weight="600" fill="#1a1a1a">${xml(panel.title)}</text>`);
    parts.push(`<text x="10" y="29" fill="#666">${xml(panel.unit)}</text>`);
    const values = results.flatMap((result) => {
      const value = panel.value(result, results);
      return value === undefined || !Number.isFinite(value) ? [] : [value];
    });
    const top = values.length ? Math.max(...values) * 1.15 : 1;
    const yOf = (value: number) => PLOT.top + plotHeight - (Math.max(0, value) / top) * plotHeight;
    // Axes, a few gridlines, the key counts.
    for (let step = 0; step <= 4; step++) {
      const value = (top * step) / 4;
      const y = yOf(value);
      parts.push(`<line x1="${PLOT.left}" x2="${PLOT.left + plotWidth}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e3e6ea"/>`);
      parts.push(`<text x="${PLOT.left - 4}" y="${(y + 3).toFixed(1)}" text-anchor="end" fill="#666">${xml(panel.format(value))}</text>`);
    }
    for (const keys of keyCounts) {
      parts.push(`<text x="${xOf(keys).toFixed(1)}" y="${PLOT.top + plotHeight + 14}" text-anchor="middle" fill="#666">${keys.toLocaleString('en-US')}</text>`);
    }
    parts.push(`<text x="${PLOT.left + plotWidth / 2}" y="${PLOT.top + plotHeight + 28}" text-anchor="middle" fill="#888">keys per instance</text>`);
    for (const { target, instances } of series) {
      const colour = INSTANCE_COLOURS[instanceCounts.indexOf(instances) % INSTANCE_COLOURS.length] as string;
      const points = results
        .filter((result) => result.target === target && result.instances === instances)
        .sort((a, b) => a.keys - b.keys)
        .flatMap((result) => {
          const value = panel.value(result, results);
          return value === undefined || !Number.isFinite(value) ? [] : [[xOf(result.keys), yOf(value)] as const];
        });
      if (points.length === 0) continue;
      const dash = TARGET_DASH[target] ? ` stroke-dasharray="${TARGET_DASH[target]}"` : '';
      if (points.length > 1) {
        parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2"${dash} points="${points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
      }
      for (const [x, y] of points) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${colour}"/>`);
    }
    parts.push('</g>');
  });
  // Legend: colour = instances, dash = Redis set-up.
  series.forEach(({ target, instances }, slot) => {
    const colour = INSTANCE_COLOURS[instanceCounts.indexOf(instances) % INSTANCE_COLOURS.length] as string;
    const x = 16 + (slot % 4) * 250;
    const y = 58 + PANEL_HEIGHT + 22 + Math.floor(slot / 4) * 18;
    const dash = TARGET_DASH[target] ? ` stroke-dasharray="${TARGET_DASH[target]}"` : '';
    parts.push(`<line x1="${x}" x2="${x + 28}" y1="${y - 4}" y2="${y - 4}" stroke="${colour}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${x + 34}" y="${y}" fill="#333">${xml(`${instances} instance${instances === 1 ? '' : 's'}, ${TARGET_NAMES[target]}`)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
