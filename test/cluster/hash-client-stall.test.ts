import { describe, expect, it } from 'vitest';
import { HashClient, MemcacheError, type ServerHealth } from '../../src/index.js';
import { clusterFixture } from './servers.js';

// A server's health must say whether the server can be reached, not whether this process was busy.
const { start, track } = clusterFixture();
const TIGHT = { timeout: 300, connectTimeout: 300, retryAttempts: 1, deadTimeout: 60_000 } as const;

/** Blocks this thread (no timers, no I/O), as a long synchronous task or a busy machine would. */
const stallEventLoop = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};
const states = (cluster: HashClient): (() => string[]) => {
  let latest: ReadonlyMap<string, ServerHealth> = new Map();
  cluster.health$.subscribe((h) => (latest = h));
  return () => [...latest.values()].map((h) => h.state);
};

describe('health and event-loop stalls', () => {
  it('commands whose deadline passed during a stall of this process leave every server up', async () => {
    const servers = await start(3);
    const cluster = track(new HashClient(servers.map((s) => s.spec), TIGHT));
    const health = states(cluster);
    await cluster.version(); // every connection is up
    const load = Array.from({ length: 300 }, (_, i) => cluster.set(`k:${i}`, 'v', { noreply: false }).then(() => 'ok', (e: unknown) => e));
    stallEventLoop(2 * TIGHT.timeout); // every deadline passes before a byte is written
    for (const outcome of await Promise.all(load)) if (outcome !== 'ok') expect(outcome).toBeInstanceOf(MemcacheError);
    expect(health()).toEqual(['up', 'up', 'up']);
    await cluster.set('after', 'v', { noreply: false });
    expect(await cluster.get('after')).toBe('v');
  });

  it('a server that stops answering still goes dead', async () => {
    const servers = await start(2);
    const cluster = track(new HashClient(servers.map((s) => s.spec), TIGHT));
    const health = states(cluster);
    await cluster.version();
    const hung = servers[0]!;
    const key = Array.from({ length: 100 }, (_, i) => `h:${i}`).find((k) => cluster.serverFor(k) === hung.spec)!;
    hung.pause();
    try {
      await expect(cluster.get(key)).rejects.toBeInstanceOf(MemcacheError);
      expect(health()).toEqual(['dead', 'up']);
    } finally {
      hung.resume();
    }
  });
});
