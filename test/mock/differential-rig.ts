import { asyncScheduler } from 'rxjs';
import { scansPastValue } from '../../src/mock/counter-value.js';
import { MemoryStore } from '../../src/mock/memory-store.js';
import type { StoreStats } from '../../src/mock/store-stats.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { DIFF_KEYS } from './store-ops.js';
import { storeReply, wireRequest, type StoreOp } from './store-wire.js';
import { WireSession } from './wire-session.js';

// Runs one program of operations on a real memcached 1.6.18 and on a fresh in-memory store, and
// compares every reply byte for byte (cas uniques shifted by the server's counter at the start of the
// program), then the stats counters the server keeps deterministically.

/**
 * Counters compared after every program. `curr_items`, `get_expired` and `get_flushed` also move when
 * the server reclaims dead items on its own (when a new item needs the space), so they are left out.
 */
const COMPARED: ReadonlyArray<keyof StoreStats> = [
  'cmd_get', 'cmd_set', 'cmd_flush', 'cmd_touch', 'get_hits', 'get_misses', 'delete_hits', 'delete_misses',
  'incr_hits', 'incr_misses', 'decr_hits', 'decr_misses', 'cas_hits', 'cas_misses', 'cas_badval',
  'touch_hits', 'touch_misses', 'total_items',
];

/** Running totals, for the test's closing line. */
export interface RigTotals {
  programs: number;
  ops: number;
  refused: number;
}

export class DifferentialRig {
  readonly totals: RigTotals = { programs: 0, ops: 0, refused: 0 };

  private constructor(
    private readonly server: MemcachedServer,
    private readonly session: WireSession,
  ) {}

  /**
   * Without its background LRU threads the server answers deterministically: on a default server the LRU
   * maintainer briefly holds a reference to items fetched twice, and an incr/decr that meets such an item
   * writes a new one (no space padding, one more total_items) instead of changing it in place (found by
   * the differential test: a decremented "0" counted as a new item now and then).
   */
  static async start(): Promise<DifferentialRig> {
    const server = await startMemcached({ maxItemSize: '1m', extraArgs: ['-o', 'no_lru_crawler,no_lru_maintainer'] });
    return new DifferentialRig(server, await WireSession.open(server.port));
  }

  async stop(): Promise<void> {
    this.session.close();
    await this.server.stop();
  }

  /** Runs one program on both; returns the first difference, described, or undefined. */
  async run(ops: readonly StoreOp[]): Promise<string | undefined> {
    this.totals.programs++;
    const base = await this.resetServer();
    const before = await this.serverStats();
    const store = new MemoryStore({ scheduler: asyncScheduler });
    const seen = new Map<string, bigint>();
    for (const [i, drawn] of ops.entries()) {
      const op = definedOp(drawn, store, ops.slice(0, i).some((earlier) => earlier.kind === 'flush_all'));
      const unique = op.kind !== 'cas' ? undefined : op.unique.from === 'seen' ? (seen.get(op.key) ?? 0n) : op.unique.n;
      const request = wireRequest(op, unique === undefined ? undefined : unique + base);
      const want = await this.session.send(request.line, request.data);
      this.totals.ops++;
      if (want.startsWith('SERVER_ERROR object too large')) this.totals.refused++;
      const got = storeReply(store, op, unique, base);
      if (got !== want) return `op #${i} ${brief(request.line)}: server ${brief(want)}, store ${brief(got)}`;
      if (op.kind === 'gets' || op.kind === 'gats') recordSeen(want, base, seen);
    }
    return this.compareStats(before, store.stats());
  }

  private async compareStats(before: Map<string, bigint>, stats: StoreStats): Promise<string | undefined> {
    const after = await this.serverStats();
    for (const name of COMPARED) {
      const delta = (after.get(name) ?? 0n) - (before.get(name) ?? 0n);
      if (delta !== BigInt(stats[name])) return `stats ${name}: server +${delta}, store ${stats[name]}`;
    }
    return undefined;
  }

  private async serverStats(): Promise<Map<string, bigint>> {
    const text = await this.session.send('stats');
    return new Map([...text.matchAll(/^STAT (\S+) (\d+)\r$/gm)].map((m) => [m[1] as string, BigInt(m[2] as string)]));
  }

  /**
   * Empties the server and learns its cas counter, so store unique n stands for server unique base + n.
   * flush_all alone is not enough: it only marks items, and a later flush_all that moves the mark brings
   * back those not yet reclaimed (found by the differential test: a previous program's keys came back);
   * deleting each key unlinks them for good.
   */
  private async resetServer(): Promise<bigint> {
    await this.session.send('flush_all 0');
    for (const key of DIFF_KEYS) await this.session.send(`delete ${key}`);
    await this.session.send('set __base 0 0 0', new Uint8Array(0));
    const reply = await this.session.send('gets __base');
    const match = /^VALUE __base 0 0 (\d+)\r\n/.exec(reply);
    if (match === null) throw new Error(`unexpected gets reply ${reply}`);
    await this.session.send('delete __base');
    return BigInt(match[1] as string);
  }
}

/**
 * The operation as run, where the server's answer depends on its memory layout rather than on the
 * commands (both found by the differential test), replaced by one that does not, on both sides:
 * - incr/decr on a value the server reads past (counter-value.ts, scansPastValue) becomes a delete;
 * - a delayed or cancelling flush_all after an earlier one becomes `flush_all 0`: it would lift the
 *   earlier flush's marks, and which hidden items come back depends on which ones the server reclaimed
 *   meanwhile (the store keeps them all gone, see MemoryStore.flushAll).
 */
function definedOp(op: StoreOp, store: MemoryStore, flushed: boolean): StoreOp {
  if (op.kind === 'flush_all') return flushed && op.delay !== 0 ? { kind: 'flush_all', delay: 0 } : op;
  if (op.kind !== 'incr' && op.kind !== 'decr') return op;
  const hit = store.peek(op.key);
  return hit !== undefined && scansPastValue(hit.value) ? { kind: 'delete', key: op.key } : op;
}

/** The cas uniques a gets/gats reply showed, as store uniques. */
function recordSeen(reply: string, base: bigint, seen: Map<string, bigint>): void {
  for (const m of reply.matchAll(/^VALUE (\S+) \d+ \d+ (\d+)\r$/gm)) seen.set(m[1] as string, BigInt(m[2] as string) - base);
}

function brief(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…(${text.length} chars)` : text);
}
