import type { StatValue } from '../index.js';
import { bytes, duration, NONE, num, percent } from './format.js';
import { pad, type Paint } from './ansi.js';

type Stats = Readonly<Record<string, StatValue>>;

const thousands = (value: number | undefined): string => (value === undefined ? NONE : value.toLocaleString('en-US'));

/** Rows of one server's table: a label and what a person wants to know, in words and units. */
function rows(s: Stats): Array<readonly [string, string]> {
  const n = (name: string): number | undefined => num(s[name]);
  const used = n('bytes');
  const limit = n('limit_maxbytes');
  const hits = n('get_hits') ?? 0;
  const misses = n('get_misses') ?? 0;
  const memory = used === undefined || limit === undefined ? NONE : `${bytes(used)} of ${bytes(limit)} (${percent(limit === 0 ? 0 : used / limit)})`;
  const hitRatio = hits + misses === 0 ? 'no gets yet' : `${percent(hits / (hits + misses))} hit`;
  return [
    ['memory', memory],
    ['items', `${thousands(n('curr_items'))} now, ${thousands(n('total_items'))} stored since start`],
    ['connections', `${thousands(n('curr_connections'))} now (max ${thousands(n('max_connections'))}), ${thousands(n('total_connections'))} since start`],
    ['gets', `${thousands(n('cmd_get'))}: ${thousands(hits)} hits, ${thousands(misses)} misses, ${hitRatio}`],
    ['sets', thousands(n('cmd_set'))],
    ['deletes', `${thousands(n('delete_hits'))} hits, ${thousands(n('delete_misses'))} misses`],
    ['incr/decr', `${thousands((n('incr_hits') ?? 0) + (n('decr_hits') ?? 0))} hits, ${thousands((n('incr_misses') ?? 0) + (n('decr_misses') ?? 0))} misses`],
    ['evictions', `${thousands(n('evictions'))} (${thousands(n('expired_unfetched'))} expired unfetched, ${thousands(n('evicted_unfetched'))} evicted unfetched)`],
    ['network', `${bytes(n('bytes_read') ?? 0)} read, ${bytes(n('bytes_written') ?? 0)} written`],
    ['threads', thousands(n('threads'))],
  ];
}

/**
 * `stats` for people: per server, a title line (name, version, uptime, pid) and a two-column table of
 * memory, items, connections, hit ratio, evictions and traffic, instead of 90 raw `STAT` lines.
 *
 * @example
 * ```ts
 * for (const line of statsTables(await cluster.stats(), painter(false))) console.log(line);
 * ```
 */
export function statsTables(all: ReadonlyMap<string, Stats>, paint: Paint): string[] {
  const out: string[] = [];
  for (const [server, s] of all) {
    if (out.length > 0) out.push('');
    const uptime = num(s['uptime']);
    const title = [`memcached ${String(s['version'] ?? '?')}`, `up ${uptime === undefined ? NONE : duration(uptime * 1000)}`, `pid ${String(s['pid'] ?? '?')}`];
    out.push(`${paint(server, 'bold')}  ${title.join(', ')}`);
    for (const [label, value] of rows(s)) out.push(`  ${pad(label, 12)}${value}`);
  }
  return out;
}

/** `stats --raw`: every server's stats as `server name value`, in the server's order, for scripts. */
export function rawStats(all: ReadonlyMap<string, Stats>): string[] {
  return [...all].flatMap(([server, s]) => Object.entries(s).map(([name, value]) => `${server} ${name} ${String(value)}`));
}
