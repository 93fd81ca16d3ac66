/** What a scenario hands back: rows of the table, one cell per library. */

export type Cell =
  /** Measured. `value` drives the chart (lower is better); `text` is what the table shows. */
  | { kind: 'value'; value: number; text: string; detail?: string; lowerBound?: boolean }
  /** Could not be measured; the reason is printed, never a number. */
  | { kind: 'na'; reason: string }
  /** Not driven: what the library's own rules imply, marked as such. */
  | { kind: 'rule'; text: string };

export interface Row {
  /** Stable id, e.g. "cold-100"; rule tables and the chart refer to it. */
  id: string;
  /** The scenario number, e.g. "2". */
  scenario: string;
  /** What is measured, as a table row header. */
  label: string;
  /** How to read the numbers, e.g. "× Promise.resolve(token)". */
  unit: string;
  /** Library id -> cell. */
  cells: Record<string, Cell>;
}

export function measured(value: number, text: string, detail?: string): Cell {
  return detail === undefined ? { kind: 'value', value, text } : { kind: 'value', value, text, detail };
}

export function notAvailable(reason: string): Cell {
  return { kind: 'na', reason };
}
