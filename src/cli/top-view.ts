import { pad, type Paint, type Style } from './ansi.js';
import { bytes, count, duration, NONE, percent } from './format.js';
import type { TopModel, TopRow } from './top-model.js';

/** Column titles and widths; numbers are right-aligned. */
const COLUMNS = [
  ['SERVER', 24, 'left'],
  ['HEALTH', 12, 'left'],
  ['FOR', 7, 'right'],
  ['GET/S', 8, 'right'],
  ['SET/S', 8, 'right'],
  ['OPS/S', 8, 'right'],
  ['HIT%', 7, 'right'],
  ['MEMORY USED/LIMIT', 20, 'right'],
  ['CONN', 6, 'right'],
  ['EVICT/S', 8, 'right'],
] as const;

const HEALTH_STYLE: Record<TopRow['health'], Style> = { up: 'green', 'backing-off': 'yellow', down: 'red', removed: 'dim', unknown: 'dim' };

/** What `top` is showing, for the title line. */
export interface TopViewSettings {
  readonly interval: number;
  readonly paint: Paint;
}

/**
 * A `top` screen as lines: a title (servers up, refresh interval, UTC time), the column heads, a row
 * per server, the totals, and the key help. Pure: the same model always gives the same lines.
 *
 * @example
 * ```ts
 * topLines(topModel(prev, curr, health, now), { interval: 1000, paint: painter(false) });
 * ```
 */
export function topLines(model: TopModel, { interval, paint }: TopViewSettings): string[] {
  const down = model.rows.length - model.up;
  const summary = `${model.rows.length} server${model.rows.length === 1 ? '' : 's'}: ${model.up} up${down > 0 ? `, ${paint(`${down} not up`, 'red')}` : ''}`;
  const clock = new Date(model.at).toISOString().slice(11, 19);
  // Long names (socket paths) widen the first column rather than push the others out of line.
  const first = Math.max(COLUMNS[0][1], ...model.rows.map((r) => r.name.length));
  const cells = (values: readonly string[]): string => line(values, first);
  return [
    `${paint('rxmemcache top', 'bold')}  ${summary}  every ${interval} ms  ${clock} UTC`,
    '',
    paint(cells(COLUMNS.map(([title]) => title)), 'inverse'),
    ...model.rows.map((row) => cells(rowCells(row, paint))),
    paint(cells(rowCells(model.total, paint, `${model.up}/${model.rows.length} up`)), 'bold'),
    '',
    paint('q or Ctrl-C to quit', 'dim'),
  ];
}

function line(values: readonly string[], firstWidth: number): string {
  return values
    .map((value, i) => {
      const [, width, align] = COLUMNS[i] ?? ['', value.length, 'left'];
      return pad(value, i === 0 ? firstWidth : width, align);
    })
    .join(' ')
    .trimEnd();
}

function rowCells(row: TopRow, paint: Paint, healthText?: string): string[] {
  const rate = (v: number | undefined): string => (v === undefined ? NONE : count(v));
  const ops = row.getsPerSec === undefined || row.setsPerSec === undefined ? undefined : row.getsPerSec + row.setsPerSec;
  const memory =
    row.memoryUsed === undefined || row.memoryLimit === undefined
      ? NONE
      : `${bytes(row.memoryUsed)}/${bytes(row.memoryLimit)} ${pad(percent(row.memoryLimit === 0 ? 0 : row.memoryUsed / row.memoryLimit), 6, 'right')}`;
  return [
    row.name,
    healthText ?? paint(row.health, HEALTH_STYLE[row.health]),
    row.since === undefined ? '' : duration(row.since),
    rate(row.getsPerSec),
    rate(row.setsPerSec),
    rate(ops),
    row.hitRatio === undefined ? NONE : percent(row.hitRatio),
    memory,
    row.connections === undefined ? NONE : String(row.connections),
    rate(row.evictionsPerSec),
  ];
}
