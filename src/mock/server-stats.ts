import type { SchedulerLike } from 'rxjs';
import type { StoreStats } from './store-stats.js';
import type { ServerState } from './text-session.js';

/** The memcached release the mock answers as (`version`, `stats`). */
export const MOCK_VERSION = '1.6.18';

/** memcached's defaults for what the mock has no notion of (`-c`, `-t`). */
const MAX_CONNECTIONS = 1024;
const THREADS = 4;

/**
 * memcached keeps its clock 62 s ahead and reports uptime as that clock minus 60 (`ITEM_UPDATE_INTERVAL`):
 * a server started now reports an uptime of 2 (see memcached-clock.ts).
 */
const UPTIME_AHEAD = 2;

/** The store counters in the order memcached 1.6.18's `stats` lists them. */
const COUNTERS: ReadonlyArray<keyof StoreStats> = [
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'get_hits', 'get_misses', 'get_expired', 'get_flushed',
  'delete_misses', 'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits',
  'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits', 'touch_misses',
];

/** When a server was started, to report `uptime` and `time` from. */
export interface ServerClock {
  readonly scheduler: SchedulerLike;
  /** `scheduler.now()` when the server started. */
  readonly startedAt: number;
}

/**
 * `stats`: what memcached 1.6.18 reports that the mock models, in its order and spelling. Left out:
 * what depends on the process, memory layout or threads (`rusage_*`, `libevent`, `bytes`, slab and LRU
 * counters, buffer pools); `evictions` is always 0, as the store never evicts.
 */
export function generalStats(counters: StoreStats, state: ServerState, clock: ServerClock): Array<readonly [string, string | number]> {
  const now = clock.scheduler.now();
  return [
    ['pid', process.pid],
    ['uptime', Math.floor(now / 1000) - Math.floor(clock.startedAt / 1000) + UPTIME_AHEAD],
    ['time', Math.floor(now / 1000)],
    ['version', MOCK_VERSION],
    ['pointer_size', 64],
    ['max_connections', MAX_CONNECTIONS],
    ['curr_connections', state.currConnections],
    ['total_connections', state.totalConnections],
    ...COUNTERS.map((name) => [name, counters[name]] as const),
    ['bytes_read', state.bytesRead],
    ['bytes_written', state.bytesWritten],
    ['limit_maxbytes', state.limitMaxbytes],
    ['threads', THREADS],
    ['curr_items', counters.curr_items],
    ['total_items', counters.total_items],
    ['evictions', 0],
  ];
}

/** `stats settings`: the settings a client may read, as a default memcached 1.6.18 with `-I` set reports them. */
export function settingsStats(state: ServerState): Array<readonly [string, string | number]> {
  return [
    ['maxbytes', state.limitMaxbytes],
    ['maxconns', MAX_CONNECTIONS],
    ['tcpport', state.port],
    ['udpport', 0],
    ['verbosity', state.verbosity],
    ['evictions', 'on'],
    ['shutdown_command', 'no'],
    ['growth_factor', '1.25'],
    ['chunk_size', 48],
    ['num_threads', THREADS],
    ['cas_enabled', 'yes'],
    ['binding_protocol', 'auto-negotiate'],
    ['auth_enabled_sasl', 'no'],
    ['auth_enabled_ascii', 'no'],
    ['item_size_max', state.itemSizeMax],
    ['flush_enabled', 'yes'],
  ];
}
