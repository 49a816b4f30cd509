import { asyncScheduler } from 'rxjs';
import { expect, it } from 'vitest';
import { TextServer } from '../../src/mock/text-server.js';
import { fencedMemcached, statsOf } from './fenced-session.js';

// The emulated server's text protocol against a real memcached 1.6.18, byte for byte: the same requests,
// in the same order, from a fresh start on both sides (so even cas uniques agree). Requests are raw
// bytes, including what our client never sends (odd numbers, wrong token counts, bad data blocks), since
// `rawCommand` can. Requests the server would wait on (a storage line without its data) are left out:
// the fence would be read as their data. So are meta commands other than `mn`, which the mock does not
// model (it answers ERROR; see mock-client.test.ts).

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const LONG = 'l'.repeat(251);
const TOO_LARGE = 1024 * 1024;

const REQUESTS: readonly Buffer[] = [
  b('set k 0 0 1\r\nx\r\nget k\r\ngets k\r\n'),
  b('set k 4294967295 0 1\r\nx\r\ngets k\r\n'),
  b('set k 4294967296 0 1\r\nx\r\ngets k\r\n'),
  b('set k 0 4000000000 1\r\nx\r\nget k\r\n'),
  b('set k 0 99999999999999999999 1\r\nx\r\n'),
  b('set k +5 +0 +1\r\nx\r\nget k\r\n'),
  b('set k -1 0 1\r\nx\r\n'),
  b('set k 0 0 -1\r\n'),
  b('set a 0 0 1 noreply extra\r\nx\r\n'),
  b('set k 0 0 1 junk\r\ny\r\nget k\r\n'),
  b('set k 0 0 3\r\nabcd\r\n'),
  b('set b 0 0 2\r\nx\r\n\r\nget b\r\n'),
  b(`set ${LONG} 0 0 1\r\nx\r\n`),
  b('set k 0 0\r\n'),
  b('set\r\n'),
  b('cas k 0 0 1\r\nx\r\n'),
  b('cas k 0 0 1 abc\r\nx\r\n'),
  b('cas k 0 0 1 -1\r\nx\r\n'),
  b('gets k\r\ncas k 0 0 1 999\r\nz\r\ncas nokey 0 0 1 5\r\nz\r\n'),
  b('cas k 0 0 1 12 noreply\r\nz\r\nget k\r\n'),
  b('append k 5 5 1\r\n>\r\nprepend k 0 0 1\r\n<\r\nprepend nokey 0 0 1\r\nx\r\nadd k 0 0 1\r\nx\r\nreplace nokey 0 0 1\r\nx\r\ngets k\r\n'),
  b('set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr n -0\r\nincr n -1\r\nincr n -18446744073709551615\r\nincr n +3\r\n'),
  b('incr n abc\r\nincr n\r\nincr n 1 2 3\r\ndecr nokey 1\r\nincr k 1\r\nincr n 18446744073709551616\r\n'),
  b('set w 0 0 20\r\n18446744073709551615\r\nincr w 1\r\nget w\r\nincr n 1 noreply\r\nincr k 1 noreply\r\nget n\r\n'),
  b(`incr ${LONG} 1\r\ntouch ${LONG} 1\r\ndelete ${LONG}\r\n`),
  b('delete k 0\r\ndelete n 5\r\ndelete n junk junk\r\ndelete n junk noreply\r\ndelete\r\ndelete n noreply\r\nget n\r\n'),
  b('set t 0 0 1\r\nx\r\ntouch t\r\ntouch t abc\r\ntouch t 5 6 7\r\ntouch t 100\r\ntouch nokey 1\r\ntouch t 0 noreply\r\n'),
  b('gat\r\ngat 10\r\ngat abc t\r\ngat 100 t nokey t\r\ngats 0 t\r\ngat -1 t\r\nget t\r\n'),
  b('set a 0 0 1\r\nA\r\n'),
  // memcached drops some replies stacked before this error in the same read (not those of a get, probed):
  // a quirk our client cannot meet (it never sends such a key; rawCommand sends one line), not modelled.
  b(`get a ${LONG} a\r\n`),
  b('get a a a\r\ngets a\tb\r\n get a\r\nget a \r\nget a\n\n\r\nGET a\r\nfoo\r\n'),
  b('get noreply\r\nget\r\ngets\r\n'),
  b('flush_all abc\r\nflush_all 0 0\r\nflush_all noreply\r\nflush_all 0 noreply\r\nflush_all 5 noreply x\r\nflush_all 1 2 3\r\nflush_all -1\r\nflush_all\r\nget a\r\n'),
  b('set a 0 0 1\r\nA\r\nflush_all\r\nset c 0 0 1\r\nC\r\nget a c\r\n'),
  b('version\r\nversion x\r\nmn x\r\nshutdown\r\nshutdown graceful\r\nshutdown x y\r\n'),
  b('verbosity\r\nverbosity 1\r\nverbosity x\r\nverbosity 1 noreply\r\nverbosity 1 2 3\r\nverbosity 0\r\n'),
  b('cache_memlimit 100\r\ncache_memlimit 7\r\ncache_memlimit abc\r\ncache_memlimit -1\r\ncache_memlimit\r\ncache_memlimit 1000000001\r\ncache_memlimit 64 noreply\r\ncache_memlimit 64 x\r\n'),
  b('stats foo\r\nstats reset extra\r\n'),
  Buffer.concat([b(`set big 0 0 ${TOO_LARGE}\r\n`), Buffer.alloc(TOO_LARGE, 0x78), b('\r\nget big\r\n')]),
  Buffer.concat([b('set big 0 0 1\r\nx\r\n'), b(`set big 0 0 ${TOO_LARGE} noreply\r\n`), Buffer.alloc(TOO_LARGE, 0x78), b('\r\nget big\r\n')]),
];

/** Counters compared after the run (those that depend on the process, memory or connections are not). */
const STATS = [
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'get_hits', 'get_misses', 'get_expired', 'get_flushed', 'delete_misses',
  'delete_hits', 'incr_misses', 'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits',
  'touch_misses', 'limit_maxbytes', 'curr_items', 'total_items', 'evictions', 'version', 'pointer_size', 'max_connections',
];
const SETTINGS = ['maxbytes', 'udpport', 'verbosity', 'evictions', 'shutdown_command', 'growth_factor', 'chunk_size', 'cas_enabled', 'item_size_max', 'flush_enabled', 'binding_protocol', 'auth_enabled_sasl', 'auth_enabled_ascii', 'maxconns'];

const session = fencedMemcached();

it('answers every request byte for byte as memcached 1.6.18 does', async () => {
  const mock = new TextServer({ scheduler: asyncScheduler });
  const differences: string[] = [];
  for (const request of REQUESTS) {
    const want = (await session().exchange(request)).toString('latin1');
    const got = mock.serve(request);
    expect(got.outcome).toBe('answered');
    const shown = request.toString('latin1', 0, 60);
    if (got.reply.toString('latin1') !== want) differences.push(`${JSON.stringify(shown)}: server ${JSON.stringify(want.slice(0, 300))}, mock ${JSON.stringify(got.reply.toString('latin1', 0, 300))}`);
  }
  expect(differences).toEqual([]);
});

it('reports the same counters and settings (those it models) after the same requests', async () => {
  const serverStats = statsOf(await session().exchange(b('stats\r\n')));
  const serverSettings = statsOf(await session().exchange(b('stats settings\r\n')));
  const mock = new TextServer({ scheduler: asyncScheduler });
  for (const request of REQUESTS) mock.serve(request);
  const mockStats = statsOf(mock.serve(b('stats\r\n')).reply);
  const mockSettings = statsOf(mock.serve(b('stats settings\r\n')).reply);
  // Every name the mock reports is one the server reports.
  expect([...mockStats.keys()].filter((name) => !serverStats.has(name))).toEqual([]);
  expect([...mockSettings.keys()].filter((name) => !serverSettings.has(name))).toEqual([]);
  for (const name of STATS) expect([name, mockStats.get(name)]).toEqual([name, serverStats.get(name)]);
  for (const name of SETTINGS) expect([name, mockSettings.get(name)]).toEqual([name, serverSettings.get(name)]);
});
