/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Two significant digits, thin-space thousands: 0.013, 1.4, 12, 1 200, 36 000. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US').replace(/,/g, ' ');
  const digits = abs >= 10 ? 0 : abs >= 1 ? 1 : Math.min(6, 1 - Math.floor(Math.log10(abs)));
  return value.toFixed(digits);
}

export function formatRatio(value: number): string {
  return `${formatNumber(value)}×`;
}

/** High-resolution real time, ms. */
export function realMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
