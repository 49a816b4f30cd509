/**
 * One line of a progress bar, to redraw in place after `\r`: `[#######.............]  35%  3,500/10,000 items`.
 *
 * @example
 * ```ts
 * progressLine(3500, 10_000, 20); // '[#######.............]  35%  3,500/10,000 items'
 * ```
 */
export function progressLine(done: number, total: number, width = 30): string {
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.floor(ratio * width);
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${bar}] ${pct}  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} items`;
}
