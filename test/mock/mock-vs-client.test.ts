import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, type MemcacheClient } from '../../src/index.js';
import { scansPastValue } from '../../src/mock/counter-value.js';
import { MockMemcacheClient } from '../../src/mock/mock-client.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';
import { CasTokens, KEY_PREFIX, KEYS, runOp, surfaceOp, type SurfaceOp } from './surface-ops.js';

// Differential test of the whole mock: the same random program of command-surface calls (writes with
// and without noreply, cas with fresh, stale and unknown tokens, reads single and batched, incr/decr,
// touch, flushAll) runs on a real Client against a real memcached 1.6.18 and on a fresh
// MockMemcacheClient; every call's outcome must be the same (cas tokens compared by the order each side
// first saw them), then the final items and the stats counters memcached keeps deterministically. Once
// with the text protocol on both sides, once with the meta protocol (the classic commands as mg/ms/md/ma).
// Reproduce a run: MOCK_SEED=<seed> [MOCK_PATH=<path>] [MOCK_RUNS=<n>] npx vitest run test/mock/mock-vs-client.test.ts

const SEED = Number(process.env['MOCK_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const PATH = process.env['MOCK_PATH'];
const RUNS = Number(process.env['MOCK_RUNS'] ?? 1000);

/** Counters that move only with the commands (as in differential-rig.ts). */
const COUNTERS = [
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'get_hits', 'get_misses', 'delete_hits', 'delete_misses', 'incr_hits',
  'incr_misses', 'decr_hits', 'decr_misses', 'cas_hits', 'cas_misses', 'cas_badval', 'touch_hits', 'touch_misses', 'total_items',
] as const;

type Protocol = 'text' | 'meta';

let server: MemcachedServer;
let reals: Record<Protocol, Client>;
const totals = { programs: 0, calls: 0 };

beforeAll(async () => {
  // No LRU threads: with them, incr/decr on an item the maintainer holds answers differently (differential-rig.ts).
  server = await startMemcached({ maxItemSize: '1m', extraArgs: ['-o', 'no_lru_crawler,no_lru_maintainer'] });
  reals = { text: new Client(server.spec, { keyPrefix: KEY_PREFIX, timeout: 5000, protocol: 'text' }), meta: new Client(server.spec, { keyPrefix: KEY_PREFIX, timeout: 5000, protocol: 'meta' }) };
});
afterAll(async () => {
  await Promise.all([reals.text.close(), reals.meta.close()]);
  await server.stop();
});

/** Runs one program on both sides; the first difference, described, or undefined. */
async function differ(ops: readonly SurfaceOp[], protocol: Protocol): Promise<string | undefined> {
  totals.programs++;
  const real = reals[protocol];
  await real.flushAll(0, { noreply: false });
  await real.deleteMany(KEYS, { noreply: false });
  const before = await counters(real);
  const mock = new MockMemcacheClient({ keyPrefix: KEY_PREFIX, protocol });
  const sides = { real: new CasTokens(), mock: new CasTokens() };
  const final: SurfaceOp = { kind: 'getsMany', keys: KEYS };
  for (const [i, drawn] of [...ops, final].entries()) {
    const op = defined(drawn, mock);
    const want = await runOp(real, op, sides.real);
    const got = await runOp(mock, op, sides.mock);
    totals.calls++;
    if (!isDeepStrictEqual(want, got)) return `call #${i} ${fc.stringify(op)}: Client ${fc.stringify(want)}, mock ${fc.stringify(got)}`;
  }
  const after = await counters(real);
  const mocked = await counters(mock);
  const moved = COUNTERS.filter((name) => (after[name] ?? 0) - (before[name] ?? 0) !== mocked[name]);
  return moved.length === 0 ? undefined : `stats ${moved.map((n) => `${n}: server +${(after[n] ?? 0) - (before[n] ?? 0)}, mock ${mocked[n]}`).join('; ')}`;
}

/**
 * incr/decr on a value the server reads past (counter-value.ts, scansPastValue) depends on its memory
 * layout, not on the commands: such a call becomes a delete, on both sides.
 */
function defined(op: SurfaceOp, mock: MockMemcacheClient): SurfaceOp {
  if (op.kind !== 'incr' && op.kind !== 'decr') return op;
  const hit = mock.memory.peek(KEY_PREFIX + op.key);
  return hit !== undefined && scansPastValue(hit.value) ? { kind: 'delete', key: op.key, noreply: false } : op;
}

async function counters(client: MemcacheClient): Promise<Record<string, number>> {
  const stats = only(await client.stats());
  return Object.fromEntries(COUNTERS.map((name) => [name, Number(stats[name])]));
}

beforeAll(() => {
  console.log(`MOCK_SEED=${SEED}`);
});

it.each(['text', 'meta'] as const)('gives every call the outcome a real Client against memcached 1.6.18 gives it (protocol %s)', async (protocol) => {
  // The time limit abandons the program running when it strikes; it must end before the next test's
  // programs start on the same server, or its calls land in their stats.
  let running: Promise<unknown> = Promise.resolve();
  await fc.assert(
    fc.asyncProperty(fc.array(surfaceOp, { minLength: 1, maxLength: 30, size: 'medium' }), async (ops) => {
      const program = differ(ops, protocol);
      running = program;
      expect(await program).toBeUndefined();
    }),
    // At most 10 s of programs: on a loaded machine fewer run, none fails for it.
    { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }), interruptAfterTimeLimit: 10_000 },
  );
  await running.catch(() => undefined);
  console.log(`mock vs client, protocol ${protocol}: ${totals.programs} programs, ${totals.calls} calls so far (MOCK_SEED=${SEED})`);
}, 120_000);
