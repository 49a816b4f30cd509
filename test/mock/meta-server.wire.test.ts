import { asyncScheduler } from 'rxjs';
import { expect, it } from 'vitest';
import { TextServer } from '../../src/mock/text-server.js';
import { fencedMemcached, statsOf } from './fenced-session.js';

// The emulated server's meta commands (mg, ms, md, ma, mn) against a real memcached 1.6.18, byte for
// byte, as text-server.wire.test.ts does for the text protocol: the same requests in the same order on
// both, from a fresh start (so cas uniques agree). Every request flag our client sends, the ones it does
// not, quiet runs closed by mn, vivify / recache / invalidate sequences, binary keys, and the error lines.
// A request may be built from the mock's reply to the one before (to use a cas it handed out).
//
// Clocks: the server's second ticks on its own timer, the mock's on Date.now(), so a TTL (`t`) or last
// access (`l`) read in a later command than the one that set it may be one second apart on the two
// sides; those two numbers are compared within 1, everything else exactly. Nothing reads a time that
// depends on how long each side has been running.

const b = (text: string): Buffer => Buffer.from(text, 'latin1');
const LONG_KEY = 'l'.repeat(251);
const LONG_OPAQUE = `O${'o'.repeat(32)}`;
const TOO_LARGE = 1024 * 1024;
const ALL_BYTES = Buffer.from(Array.from({ length: 186 }, (_, i) => (i * 7 + 3) % 256)).toString('base64');
const casOf = (reply: string): string => /\bc(\d+)/.exec(reply)?.[1] ?? 'none';

type Request = Buffer | ((previous: string) => Buffer);

const REQUESTS: readonly Request[] = [
  // mg: every return flag, in the order asked; q hides a miss only; u and l/h do not bump the LRU.
  b('ms k 5 T0 F7\r\nhello\r\nmg k v\r\nmg k s t c f l h k O123\r\nmg k h\r\nmg k u h\r\nmg k q\r\nmg k v q k\r\nmg nokey q\r\nmg nokey k O9\r\nmg nokey\r\nmg nokey v q O7\r\nmg k v f s\r\n'),
  b('ms hh 1\r\nx\r\nmg hh2 h\r\nget hh\r\nmg hh h\r\nms u 1\r\nx\r\nmg u u h\r\nmg u u h l\r\nmg u h\r\ntouch u 0\r\nmg u h\r\n'),
  // T acts where it stands: t before it reads the old TTL, after it the new one; a T counts as a touch.
  b('mg k t T100 t\r\nmg k T0 t\r\nmg k c T50 t\r\nmg k t\r\nms e 1 T-1\r\nx\r\nmg e v\r\nms e 1\r\nx\r\nmg e T-1\r\nmg e v\r\n'),
  // ms modes, cas returned (0 when nothing was stored), client flags, the mode letters memcached refuses.
  b('ms m 1 MR\r\na\r\nms m 1 ME c\r\na\r\nms m 1 ME c\r\nb\r\nms m 1 MA\r\nb\r\nms m 1 MP k O1\r\n<\r\nmg m v\r\nms m 1 MS T0 F3 c\r\nz\r\nms m 1 MX\r\nz\r\nms m 1 M\r\nz\r\nms m 1 MSS\r\nz\r\nmg m v f c\r\n'),
  // cas: a match, a mismatch, C0, append/prepend with a cas, add with a cas, a missing item.
  (previous) => b(`ms m 1 C${casOf(previous)} c\r\ny\r\nms m 1 C1\r\nx\r\nms m 1 C0\r\nx\r\nms m 1 MR C1\r\nx\r\nms m 1 MA C1\r\nx\r\nmg m v c\r\n`),
  (previous) => b(`ms m 1 MA C${casOf(previous)}\r\n+\r\nms m 1 MP C${casOf(previous)}\r\n-\r\nmg m v\r\nms nokey 1 MA C5\r\nx\r\nms nokey 1 C5\r\nx\r\nms nokey2 1 ME C5 c\r\nx\r\nms m 1 ME C1\r\nx\r\n`),
  // md: delete, quiet, cas (C0 never matches), echoes; T without I is ignored.
  b('md nokey\r\nmd nokey q O5 k\r\nms d 1\r\nx\r\nmd d q\r\nmg d v\r\nms d 1\r\nx\r\nmd d C1\r\nmd d C0 O2\r\nmd d O3 k T30\r\nmg d\r\n'),
  // invalidate: stale, the next reader wins (X W), the others see Z X; a stale write keeps it stale.
  b('ms s 3 T100\r\nold\r\nmd s I T30\r\nmg s v t\r\nmg s v c\r\nmg s\r\n'),
  (previous) => b(`ms s 3 T60 C1 I\r\nnew\r\nmg s v t\r\nms s 3 C1\r\nbad\r\nmg s c\r\nms s 3 C${casOf(previous)} I T90\r\nnwr\r\nmg s v t\r\nmd s I q\r\nmg s t v\r\nmg s v\r\n`),
  // vivify: an empty placeholder wins once; a value fills it; quiet still answers the placeholder.
  b('mg v N30 s t c v\r\nmg v N30 v\r\nmg v N30 v t\r\nms v 4 T60\r\nfill\r\nmg v N30 v\r\nmg v2 N30 q\r\nmg v2 N30 q\r\nmg v3 t N30 T40 t\r\nmg v4 T40 N30 t\r\n'),
  // recache: wins when the item expires before now + R, once; never for an item that never expires.
  b('ms r 1 T100\r\nx\r\nmg r R50 v\r\nmg r R200 v\r\nmg r R200 v\r\nmg r R200 t\r\nms r0 1 T0\r\nx\r\nmg r0 R200\r\nmg r N30 R200\r\n'),
  // ma: miss, create with N/J, modes, delta, cas, quiet, return flags in order, errors.
  b('ma c\r\nma c q\r\nma c N0 J10 v\r\nma c v\r\nma c D5 v t c\r\nma c MD D100 v\r\nma c M+ v\r\nma c M- v\r\nma c MI\r\nma c MX\r\nma c q v\r\nma c q\r\nmg c v\r\nma c C1 v\r\nma c C0 v\r\n'),
  b('ma c Dabc\r\nma c J-1\r\nma c D-1\r\nma c D18446744073709551615 v\r\nma nokey q N0\r\nma nokey2 q O4 k\r\nms nn 3\r\nabc\r\nma nn\r\nma nn C1\r\nmg ph N30\r\nma ph C1\r\nma ph\r\n'),
  // ma: a result that does not fit is a new item, and a T after it is lost; in place, it holds.
  b('ms g 1 T0\r\n9\r\nma g T100 t v\r\nmg g t v\r\nms g2 2\r\n99\r\nma g2 MD T100 t v\r\nmg g2 t v\r\nma t2 N100 t J3 v\r\nma t3 t N100 v\r\nmg t3 t\r\n'),
  // an unwritten hit holds its item: an incr then makes a new item (no padding), until the replies are
  // written (after the 21st command of a read, at mn).
  b(`ms z 2\r\n10\r\nmg z v\r\n${'version\r\n'.repeat(18)}ma z MD v\r\nmg z v\r\nms y 2\r\n10\r\nmg y v\r\nmn\r\nma y MD v\r\nmg y v\r\nincr y 1\r\nget y\r\n`),
  b(`ms z 2\r\n10\r\nmg z v\r\n${'version\r\n'.repeat(19)}ma z MD v\r\nmg z v\r\nset x 0 0 2\r\n10\r\n${'version\r\n'.repeat(17)}mg x v\r\ndecr x 1\r\nget x\r\nget x\r\nincr x 1\r\nget x\r\n`),
  // binary keys: the decoded bytes are the key (text commands reach the same item); k echoes base64
  // only for an item stored with b; memcached's lenient decoder (skips junk, stops at padding).
  b(`ms YWJj 1 b\r\ny\r\nget abc\r\nmg abc k v\r\nmg YWJj b k v\r\nset def 0 0 1\r\nq\r\nmg ZGVm b k v\r\nms ${ALL_BYTES} 3 b k c\r\nall\r\nmg ${ALL_BYTES} b v k s\r\n`),
  b('mg AAEC b k O1\r\nms AAEC 2 b k\r\nzz\r\nmg AAEC b k v\r\nmd AAEC b q k\r\nmg AAEC b k O1\r\nmg !!YW!Jj b k v\r\nmg YW b\r\nmg ==== b\r\nmg YQ== b k\r\nmg YQ= b\r\nmg YQ==YWJj b k\r\n'),
  b('mg AP8K b N30 k\r\nma Y291bnQ= b N0 J1 v k\r\nma Y291bnQ= b v k\r\nmd Y291bnQ= b k\r\nmd Y291bnQ= b k\r\nms YWJj 1 b MA\r\n!\r\nmg YWJj b k v\r\nmd YW b\r\nma YW b\r\nms YW 1 b\r\nx\r\n'),
  // quiet runs closed by mn: only misses of writes, failures and hits come back.
  b('mg q1 q v O1\r\nmg k q v O2\r\nms q2 1 q O3\r\nx\r\nms q3 1 q MR O4\r\nx\r\nmd q2 q O5\r\nmd q2 q O6\r\nma q4 q O7\r\nma c q O8\r\nmn\r\nmg k q k\r\nmn\r\nmn\r\n'),
  // errors: token counts, bad numbers, duplicate and unknown flags, long keys and opaques.
  b('mg\r\nmg k Xbad\r\nmg k v v\r\nmg k T\r\nmg k Tabc\r\nmg k Nx\r\nmg k Rx\r\nmg k Fx\r\nmg k Cx\r\nmg k M\r\nmg k MEE\r\nmg k Jx\r\nmg k Dx\r\nmg k Tx Fx\r\nmg k Fx Jx\r\nmg k Jx v v\r\nmg k E5\r\nmd k E5\r\nmg k \x80\r\n'),
  b(`mg ${LONG_KEY}\r\nmg k a b c d e f g h i j k l m n o p q r\r\nmg k s t c f l h k v O1 u q T0 N0 R0 F0 C0 M0 D1\r\nmg k ${LONG_OPAQUE}\r\nmg nokey ${LONG_OPAQUE}\r\nmg nokey q ${LONG_OPAQUE}\r\n`),
  b(`mg k T77 ${LONG_OPAQUE}\r\nmg k t\r\nmg k ${LONG_OPAQUE} T88\r\nmg k t\r\nmd k ${LONG_OPAQUE}\r\nmg k v\r\nma c ${LONG_OPAQUE} v\r\nma c v\r\n`),
  b(`md\r\nma\r\nmd k Xbad\r\nma k Xbad\r\nmd k q q\r\nma k Dx\r\nmd ${LONG_KEY}\r\nma ${LONG_KEY}\r\nmd k a b c d e f g h i j k l m n o p q r\r\nma k a b c d e f g h i j k l m n o p q r\r\nmx k\r\nmn x y\r\n`),
  // ms errors: before the data length is read the block is read as a command; after, it is swallowed.
  b(`ms\r\nms k\r\nms ${LONG_KEY} 1\r\nx\r\nms k abc\r\nx\r\nms k -1\r\nms k 1 Xbad\r\nx\r\nms k 1 MZ\r\nx\r\nms k 1 ${LONG_OPAQUE}\r\nx\r\nms k 1 MZ ${LONG_OPAQUE}\r\nx\r\nms k 1 E5\r\nx\r\n`),
  b('ms k 3\r\nabcd\r\nms k 1 q\r\nx\r\nms nokey 1 q MR\r\nx\r\nms k 1 Fx\r\nx\r\nms k 1 F4294967296\r\nx\r\nmg k f v\r\nms k 1 a b c d e f g h i j k l m n o p q\r\nx\r\n'),
  Buffer.concat([b('ms big 1\r\nx\r\n'), b(`ms big ${TOO_LARGE} ME\r\n`), Buffer.alloc(TOO_LARGE, 0x78), b('\r\nmg big v\r\n')]),
];

/** The counters the meta commands change, compared after the run. */
const STATS = [
  'cmd_get', 'cmd_set', 'cmd_touch', 'get_hits', 'get_misses', 'get_expired', 'delete_misses', 'delete_hits', 'incr_misses',
  'incr_hits', 'decr_misses', 'decr_hits', 'cas_misses', 'cas_hits', 'cas_badval', 'touch_hits', 'touch_misses', 'curr_items', 'total_items',
];

const session = fencedMemcached();

it('answers every meta request byte for byte as memcached 1.6.18 does', async () => {
  const mock = new TextServer({ scheduler: asyncScheduler });
  const differences: string[] = [];
  let previous = '';
  for (const entry of REQUESTS) {
    const request = typeof entry === 'function' ? entry(previous) : entry;
    const want = (await session().exchange(request)).toString('latin1');
    const got = mock.serve(request);
    expect(got.outcome).toBe('answered');
    previous = got.reply.toString('latin1');
    if (!sameReply(previous, want)) differences.push(`${JSON.stringify(request.toString('latin1', 0, 80))}:\n  server ${JSON.stringify(want.slice(0, 400))}\n  mock   ${JSON.stringify(previous.slice(0, 400))}`);
  }
  expect(differences).toEqual([]);
  const serverStats = statsOf(await session().exchange(b('stats\r\n')));
  const mockStats = statsOf(mock.serve(b('stats\r\n')).reply);
  expect(STATS.map((name) => [name, mockStats.get(name)])).toEqual(STATS.map((name) => [name, serverStats.get(name)]));
});

/** Equal, except that each `t<n>` / `l<n>` may be one second apart (see the clocks note above). */
function sameReply(mock: string, server: string): boolean {
  const times = / ([tl])(\d+)(?=[ \r])/g;
  if (mock.replace(times, ' $1#') !== server.replace(times, ' $1#')) return false;
  const a = [...mock.matchAll(times)].map((m) => Number(m[2]));
  const c = [...server.matchAll(times)].map((m) => Number(m[2]));
  return a.every((n, i) => Math.abs(n - (c[i] as number)) <= 1);
}
