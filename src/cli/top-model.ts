import type { ServerHealth, StatValue } from '../index.js';
import { num } from './format.js';

/** One server's `stats`, as the client returns it. */
export type Stats = Readonly<Record<string, StatValue>>;

/** Every server's stats that answered one poll, and when the answers arrived (scheduler clock, ms). */
export interface Sample {
  readonly at: number;
  readonly stats: ReadonlyMap<string, Stats>;
}

/** How `top` names a HashClient health state: `failing` backs off before it tries again, `dead` is out of the ring. */
export type HealthLabel = 'up' | 'backing-off' | 'down' | 'removed' | 'unknown';

/** One line of `top`: a server, or the totals. Numbers are undefined when there is nothing to show. */
export interface TopRow {
  readonly name: string;
  readonly health: HealthLabel;
  /** How long the server has been in this health state (ms). */
  readonly since: number | undefined;
  readonly getsPerSec: number | undefined;
  readonly setsPerSec: number | undefined;
  readonly evictionsPerSec: number | undefined;
  /** Hits over gets since the server started. */
  readonly hitRatio: number | undefined;
  readonly memoryUsed: number | undefined;
  readonly memoryLimit: number | undefined;
  readonly connections: number | undefined;
}

/** What one `top` screen shows. */
export interface TopModel {
  readonly rows: readonly TopRow[];
  readonly total: TopRow;
  readonly up: number;
  readonly at: number;
}

/** The label `top` shows for each HashClient health state. */
export const LABELS: Record<ServerHealth['state'], HealthLabel> = { up: 'up', failing: 'backing-off', dead: 'down', removed: 'removed' };

/**
 * The pure heart of `top`: (previous sample, sample, health, now) → rows. Rates are counter deltas
 * over the time between the two samples; a server that restarted in between (its uptime went back or
 * its pid changed) has no rate until the next sample. Servers are listed in `health`'s order.
 *
 * @example
 * ```ts
 * const model = topModel(previous, latest, health, scheduler.now());
 * ```
 */
export function topModel(prev: Sample | undefined, curr: Sample, health: ReadonlyMap<string, ServerHealth>, now: number): TopModel {
  const names = [...new Set([...health.keys(), ...curr.stats.keys()])];
  const rows = names.map((name) => serverRow(name, prev, curr, health.get(name), now));
  const up = rows.filter((r) => r.health === 'up').length;
  return { rows, total: totalRow(rows, curr), up, at: now };
}

function serverRow(name: string, prev: Sample | undefined, curr: Sample, health: ServerHealth | undefined, now: number): TopRow {
  const label = health === undefined ? 'unknown' : LABELS[health.state];
  const since = health === undefined ? undefined : Math.max(0, now - health.since);
  // A server out of the ring is not polled: whatever it last said is stale.
  const s = label === 'down' || label === 'removed' ? undefined : curr.stats.get(name);
  const before = prev?.stats.get(name);
  const dt = prev === undefined ? 0 : (curr.at - prev.at) / 1000;
  const rate = (stat: string): number | undefined => {
    if (s === undefined || before === undefined || dt <= 0 || restarted(before, s)) return undefined;
    const delta = (num(s[stat]) ?? 0) - (num(before[stat]) ?? 0);
    return delta < 0 ? undefined : delta / dt;
  };
  const hits = s === undefined ? undefined : num(s['get_hits']);
  const misses = s === undefined ? undefined : num(s['get_misses']);
  return {
    name,
    health: label,
    since,
    getsPerSec: rate('cmd_get'),
    setsPerSec: rate('cmd_set'),
    evictionsPerSec: rate('evictions'),
    hitRatio: hits === undefined || misses === undefined || hits + misses === 0 ? undefined : hits / (hits + misses),
    memoryUsed: s === undefined ? undefined : num(s['bytes']),
    memoryLimit: s === undefined ? undefined : num(s['limit_maxbytes']),
    connections: s === undefined ? undefined : num(s['curr_connections']),
  };
}

function restarted(before: Stats, after: Stats): boolean {
  return before['pid'] !== after['pid'] || (num(after['uptime']) ?? 0) < (num(before['uptime']) ?? 0);
}

function totalRow(rows: readonly TopRow[], curr: Sample): TopRow {
  const sum = (pick: (r: TopRow) => number | undefined): number | undefined => {
    const values = rows.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
  };
  const live = rows.filter((r) => r.health !== 'down' && r.health !== 'removed').map((r) => curr.stats.get(r.name));
  const hits = live.reduce((a, s) => a + (num(s?.['get_hits']) ?? 0), 0);
  const gets = hits + live.reduce((a, s) => a + (num(s?.['get_misses']) ?? 0), 0);
  return {
    name: 'TOTAL',
    health: rows.every((r) => r.health === 'up') ? 'up' : 'unknown',
    since: undefined,
    getsPerSec: sum((r) => r.getsPerSec),
    setsPerSec: sum((r) => r.setsPerSec),
    evictionsPerSec: sum((r) => r.evictionsPerSec),
    hitRatio: gets === 0 ? undefined : hits / gets,
    memoryUsed: sum((r) => r.memoryUsed),
    memoryLimit: sum((r) => r.memoryLimit),
    connections: sum((r) => r.connections),
  };
}
