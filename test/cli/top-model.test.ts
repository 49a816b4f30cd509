import { describe, expect, it } from 'vitest';
import { MemcacheConnectionError, type ServerHealth } from '../../src/index.js';
import { painter } from '../../src/cli/ansi.js';
import { topModel, type Sample, type Stats } from '../../src/cli/top-model.js';
import { topLines } from '../../src/cli/top-view.js';

const A = '127.0.0.1:40001';
const B = '127.0.0.1:40002';
const C = '127.0.0.1:40003';
const T0 = Date.UTC(2026, 11, 1, 19, 30, 0);
const MB = 1024 * 1024;

function stats(over: Partial<Record<string, number>> = {}): Stats {
  return { pid: 100, uptime: 60, cmd_get: 0, cmd_set: 0, get_hits: 0, get_misses: 0, evictions: 0, bytes: 0, limit_maxbytes: 64 * MB, curr_connections: 2, ...over };
}
const sample = (at: number, entries: Array<[string, Stats]>): Sample => ({ at, stats: new Map(entries) });
const up = (since = T0 - 60_000): ServerHealth => ({ state: 'up', since });
const down = (since: number): ServerHealth => ({ state: 'dead', since, error: new MemcacheConnectionError('refused') });

describe('topModel', () => {
  it('rates are counter deltas over the time between samples', () => {
    const prev = sample(T0, [[A, stats({ cmd_get: 1000, cmd_set: 100, evictions: 5 })]]);
    const curr = sample(T0 + 2000, [[A, stats({ cmd_get: 3000, cmd_set: 500, evictions: 9, uptime: 62 })]]);
    const [row] = topModel(prev, curr, new Map([[A, up()]]), T0 + 2000).rows;
    expect(row).toMatchObject({ name: A, health: 'up', since: 62_000, getsPerSec: 1000, setsPerSec: 200, evictionsPerSec: 2 });
  });

  it('no rates without a previous sample, nor across a restart (counters went back or the pid changed)', () => {
    const health = new Map([[A, up()]]);
    const curr = sample(T0 + 1000, [[A, stats({ cmd_get: 10, uptime: 1, pid: 200 })]]);
    expect(topModel(undefined, curr, health, T0).rows[0]?.getsPerSec).toBeUndefined();
    const before = sample(T0, [[A, stats({ cmd_get: 5000, uptime: 500 })]]);
    expect(topModel(before, curr, health, T0 + 1000).rows[0]?.getsPerSec).toBeUndefined();
    const samePidOlder = sample(T0 + 1000, [[A, stats({ cmd_get: 6000, uptime: 499 })]]);
    expect(topModel(before, samePidOlder, health, T0 + 1000).rows[0]?.getsPerSec).toBeUndefined();
  });

  it('health labels: failing is backing-off, dead is down; a down server shows no numbers, even stale ones', () => {
    const health = new Map<string, ServerHealth>([
      [A, up()],
      [B, { state: 'failing', since: T0 - 500, attempts: 1, error: new MemcacheConnectionError('refused') }],
      [C, down(T0 - 3000)],
    ]);
    const curr = sample(T0, [[A, stats()], [B, stats()], [C, stats({ bytes: 5 })]]);
    const model = topModel(undefined, curr, health, T0);
    expect(model.rows.map((r) => [r.name, r.health, r.since])).toEqual([[A, 'up', 60_000], [B, 'backing-off', 500], [C, 'down', 3000]]);
    expect(model.rows[2]).toMatchObject({ memoryUsed: undefined, connections: undefined, hitRatio: undefined });
    expect(model.up).toBe(1);
  });

  it('totals add up the servers that answered; the hit ratio is over all their gets', () => {
    const health = new Map([[A, up()], [B, up()], [C, down(T0)]]);
    const prev = sample(T0, [[A, stats()], [B, stats()]]);
    const curr = sample(T0 + 1000, [
      [A, stats({ cmd_get: 100, get_hits: 90, get_misses: 10, bytes: 1 * MB, uptime: 61 })],
      [B, stats({ cmd_get: 50, cmd_set: 7, get_hits: 10, get_misses: 40, bytes: 3 * MB, curr_connections: 5, uptime: 61 })],
    ]);
    const { total } = topModel(prev, curr, health, T0 + 1000);
    expect(total).toMatchObject({ getsPerSec: 150, setsPerSec: 7, memoryUsed: 4 * MB, memoryLimit: 128 * MB, connections: 7 });
    expect(total.hitRatio).toBeCloseTo(100 / 150);
  });
});

describe('topLines', () => {
  const health = new Map([[A, up(T0 - 184_000)], [B, down(T0 - 4000)], [C, up(T0 - 184_000)]]);
  const prev = sample(T0 - 1000, [[A, stats()], [C, stats()]]);
  const curr = sample(T0, [
    [A, stats({ cmd_get: 1200, cmd_set: 300, get_hits: 1140, get_misses: 60, bytes: 12.5 * MB, uptime: 61 })],
    [C, stats({ cmd_get: 800, cmd_set: 200, get_hits: 400, get_misses: 400, bytes: 3 * MB, evictions: 3, uptime: 61 })],
  ]);
  const model = topModel(prev, curr, health, T0);

  it('draws a title, the heads, a row per server, the totals and the key help', () => {
    expect(topLines(model, { interval: 1000, paint: painter(false) })).toEqual([
      'rxmemcache top  3 servers: 2 up, 1 not up  every 1000 ms  19:30:00 UTC',
      '',
      'SERVER                   HEALTH           FOR    GET/S    SET/S    OPS/S    HIT%    MEMORY USED/LIMIT   CONN  EVICT/S',
      '127.0.0.1:40001          up             3m04s    1.20k      300    1.50k   95.0%   12.5M/64.0M  19.5%      2        0',
      '127.0.0.1:40002          down              4s        -        -        -       -                    -      -        -',
      '127.0.0.1:40003          up             3m04s      800      200    1.00k   50.0%   3.00M/64.0M   4.7%      2        3',
      'TOTAL                    2/3 up                  2.00k      500    2.50k   77.0%    15.5M/128M  12.1%      4        3',
      '',
      'q or Ctrl-C to quit',
    ]);
  });

  it('a long server name widens the first column and keeps the others in line', () => {
    const socket = '/var/run/memcached/a-rather-long-socket-name.sock';
    const lines = topLines(topModel(undefined, sample(T0, [[socket, stats()]]), new Map([[socket, up(T0)]]), T0), { interval: 1000, paint: painter(false) });
    expect(lines[2]?.indexOf('HEALTH')).toBe(socket.length + 1);
    expect(lines[3]?.indexOf('up')).toBe(socket.length + 1);
  });

  it('colors health only when painting is on', () => {
    const lines = topLines(model, { interval: 1000, paint: painter(true) });
    expect(lines[3]).toContain('\u001b[32mup\u001b[0m');
    expect(lines[4]).toContain('\u001b[31mdown\u001b[0m');
    expect(topLines(model, { interval: 1000, paint: painter(false) }).join('\n')).not.toContain('\u001b');
  });
});
