// How the bench prints numbers, ratios and tables (markdown that reads on a terminal too).

/** @param {number | undefined} n @param {number} [digits] */
export const fmt = (n, digits = 0) =>
  n === undefined || !Number.isFinite(n)
    ? '—'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
/** @param {number | undefined} bytes */
export const kb = (bytes) => (bytes === undefined ? '—' : fmt(bytes / 1024, 1));
/** @param {number | undefined} bytes */
export const mb = (bytes) => (bytes === undefined ? '—' : fmt(bytes / 1024 / 1024, 0));
/** @param {number | undefined} a @param {number | undefined} b */
export const ratio = (a, b) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
/**
 * Deliveries per second one core could sustain at this CPU cost: the throughput limit free of what else
 * limited the measured one (the load generator's core, other processes on the machine).
 * @param {number | undefined} us
 */
export const capacity = (us) => (us === undefined || us <= 0 ? undefined : 1e6 / us);
/** @param {number | undefined} r */
export const fmtRatio = (r) => (r === undefined ? '—' : `${r.toFixed(2)}×`);

/**
 * A markdown table (also readable on a terminal).
 * @param {string[]} header
 * @param {string[][]} rows
 */
export function table(header, rows) {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i].length)));
  /** @param {string[]} row */
  const line = (row) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(' | ')} |`;
  const rule = `| ${widths.map((width, i) => (i === 0 ? '-'.repeat(width) : `${'-'.repeat(width - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}
