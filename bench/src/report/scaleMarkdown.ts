import type { ScaleResult, Target } from '../fleetScale';

const TARGETS: Record<string, Target> = { 'one server': 'redis', 'cluster (3+3)': 'cluster', 'cluster (3+3), sharded pub/sub': 'sharded', 'Redis down': 'down' };

/**
 * The rows of the scale tables in `bench/SCALE.md` (as `formatScaleTable` writes them), so the chart
 * can be drawn from every table there: the 1 000 / 10 000-key run and the 100 000-key rows, which
 * take hours and are measured separately. A table whose title says "not charted" is skipped (repeat
 * runs, or reads spaced differently: not on the same axes). Heap per key is carried over as
 * printed (the slope within its own table); a row printed as "base" has none, except where it is the
 * smallest key count of its fleet (the line starts there).
 */
export function parseScaleTables(markdown: string): ScaleResult[] {
  const rows: Array<ScaleResult & { slope: number | undefined }> = [];
  let skip = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('fleet scale:')) skip = line.includes('not charted');
    if (skip || !line.startsWith('| ')) continue;
    const cells = line.split('|').slice(1, -1).map((cell) => cell.trim());
    const target = TARGETS[cells[0] as string];
    if (!target || cells.length < 12) continue;
    const number = (cell: string | undefined) => Number((cell ?? '').replace(/,/g, ''));
    const slope = /^(\d+) B$/.exec(cells[7] as string);
    rows.push({
      target,
      instances: number(cells[1]),
      keys: number(cells[2]),
      requestsPerKeyPerCycle: number(cells[3]),
      commandsPerKeyPerCyclePerInstance: number(cells[4]),
      // The chart does not draw latencies; the table keeps them.
      p99Ms: Number.NaN,
      cacheHitMs: Number.NaN,
      redisRoundTripMs: Number.NaN,
      heapBytesPerInstance: Number.NaN,
      reads: number(cells[8]),
      failedReads: number(cells[9]),
      staleReads: number(cells[10]),
      belowCutoff: number(cells[11]),
      slope: slope ? Number(slope[1]) : undefined,
    });
  }
  // Heap per instance rebuilt from the slopes, so `heapPerKey` (the chart's) gives them back: the
  // smallest key count of a fleet at 0, each larger one at the last plus slope × the keys between.
  const fleets = new Map<string, typeof rows>();
  for (const row of rows) {
    const id = `${row.target}/${row.instances}`;
    fleets.set(id, [...(fleets.get(id) ?? []), row]);
  }
  for (const fleet of fleets.values()) {
    fleet.sort((a, b) => a.keys - b.keys);
    let heap = 0;
    fleet.forEach((row, index) => {
      const previous = fleet[index - 1];
      if (!previous) row.heapBytesPerInstance = heap;
      else if (row.slope !== undefined && Number.isFinite(heap)) row.heapBytesPerInstance = heap += row.slope * (row.keys - previous.keys);
      else row.heapBytesPerInstance = heap = Number.NaN;
    });
  }
  return rows.map(({ slope: _slope, ...row }) => row);
}
