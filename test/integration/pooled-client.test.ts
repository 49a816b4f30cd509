import { describe, expect, it } from 'vitest';
import { Client, MemcacheConnectionError, PooledClient, type PoolStats } from '../../src/index.js';
import { fault } from '../support/fault-proxy.js';
import { faultSuite } from '../support/fault-suite.js';
import { only } from '../support/only.js';

// PooledClient against a real memcached: many concurrent commands over a few pipelined connections,
// and one of those connections reset under load (through the fault proxy).

const MAX_PIPELINE = 50;
const COUNT = 1000;
const valueOf = (key: string): string => `value-of:${key}:${'x'.repeat(key.length)}`;

let client: PooledClient | undefined;
const suite = faultSuite({ proxy: true, cleanup: () => client?.destroy() });

/** The largest pool and waiting line `pool$` showed while `work` ran. */
async function watchPool<T>(pool: PooledClient, work: () => Promise<T>): Promise<{ result: T; peak: PoolStats }> {
  let peak: PoolStats = { size: 0, busy: 0, waiting: 0 };
  const sub = pool.pool$.subscribe((s) => (peak = { size: Math.max(peak.size, s.size), busy: Math.max(peak.busy, s.busy), waiting: Math.max(peak.waiting, s.waiting) }));
  try {
    return { result: await work(), peak };
  } finally {
    sub.unsubscribe();
  }
}

describe('PooledClient on a real memcached', () => {
  it(`${COUNT} concurrent sets, then ${COUNT} concurrent gets over a pool of 4 all settle with their own values`, async () => {
    const observer = new Client(suite.memcached.spec, { protocol: 'text' });
    const connectionsNow = async (): Promise<number> => Number(only(await observer.stats())['curr_connections']);
    const before = await connectionsNow();
    const pool = new PooledClient(suite.memcached.spec, { protocol: 'text', maxPoolSize: 4, maxPipeline: MAX_PIPELINE, timeout: 10_000 });
    client = pool;
    const keys = Array.from({ length: COUNT }, (_, i) => `pool:${i}`);
    const sets = await watchPool(pool, () => Promise.all(keys.map((key) => pool.set(key, valueOf(key), { noreply: false }))));
    expect(sets.result.every((stored) => stored)).toBe(true);
    const gets = await watchPool(pool, () => Promise.all(keys.map((key) => pool.get(key))));
    expect(gets.result).toEqual(keys.map(valueOf));
    // Every connection was used and at its limit, with the rest waiting for room.
    expect(sets.peak).toEqual({ size: 4, busy: 4, waiting: COUNT - 4 * MAX_PIPELINE });
    expect(gets.peak.size).toBe(4);
    // The server holds four more connections, no more.
    expect(await connectionsNow()).toBe(before + 4);
    await pool.close();
    await observer.close();
  });

  it('a reset of one pooled connection fails at most what was written to it; every other command gets its own value', async () => {
    const pool = new PooledClient(suite.proxy.spec, { protocol: 'text', maxPoolSize: 4, maxPipeline: MAX_PIPELINE, timeout: 10_000 });
    client = pool;
    const keys = Array.from({ length: COUNT }, (_, i) => `reset:${i}`);
    await Promise.all(keys.map((key) => pool.set(key, valueOf(key), { noreply: false })));
    expect(suite.proxy.stats.connections).toBe(4);
    // The next chunk after 8 KB of replies resets the connection it travels on, and only that one.
    suite.proxy.set(fault.resetAfter(8 * 1024));
    const outcomes = await Promise.all(
      keys.map((key) =>
        pool.get(key).then(
          (value) => (value === valueOf(key) ? 'own value' : `wrong value for ${key}: ${String(value)}`),
          (error: unknown) => (error instanceof MemcacheConnectionError ? 'reset' : `unexpected ${String(error)}`),
        ),
      ),
    );
    const counts = new Map<string, number>();
    for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    const failed = counts.get('reset') ?? 0;
    expect(failed).toBeGreaterThan(0);
    // A connection never holds more than maxPipeline commands: no other connection's command failed.
    expect(failed).toBeLessThanOrEqual(MAX_PIPELINE);
    expect(counts.get('own value')).toBe(COUNT - failed);
    expect(counts.size).toBe(2);
    // One new socket replaced the broken one; the other three were never touched.
    expect(suite.proxy.stats.connections).toBe(5);
    expect(await pool.get(keys[0] ?? '')).toBe(valueOf(keys[0] ?? ''));
    await pool.close();
  });
});
