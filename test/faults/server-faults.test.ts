import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { tap } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { Ledger, NETWORK_ERRORS, isOwnValue, issueMixed, recovers, seededRng, stoppedNotifications, watchUnhandled } from '../support/fault-harness.js';
import { fault, startFaultProxy } from '../support/fault-proxy.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// The real server dies or is overwhelmed: SIGKILL with hundreds of commands in flight, a dead port
// while the client backs off, a silent server behind a bounded queue.
const TIMEOUT = 1000;
const GRACE = 300;
const reply = { noreply: false } as const;

let victim: MemcachedServer;
let unhandled: ReturnType<typeof watchUnhandled>;

beforeEach(async () => {
  unhandled = watchUnhandled();
  victim = await startMemcached();
});
afterEach(async () => {
  await victim.stop();
  await sleep(20); // a late unhandled error would surface now
  unhandled.stop();
  expect(unhandled.seen).toEqual([]);
  expect(stoppedNotifications()).toEqual([]);
});

describe('SIGKILL with 500 incrs in flight', () => {
  it('every incr settles once; the successes are exactly the first ones, in order; the client backs off, then recovers', async () => {
    const client = new Client(victim.spec, { timeout: TIMEOUT, backoff: { initial: 100, max: 400 } });
    try {
      await client.set('counter', '0', reply);
      const ledger = new Ledger(TIMEOUT + GRACE);
      const results: Array<bigint | null | undefined> = Array.from({ length: 500 }, () => undefined);
      for (let i = 0; i < 500; i++) {
        ledger.track(`incr #${i}`, client.incr('counter', 1), (v) => ((results[i] = v), v === BigInt(i + 1)));
      }
      // Killed as they go out: the write is scheduled for the end of this tick.
      process.kill(victim.pid, 'SIGKILL');
      await ledger.settle(performance.now() + TIMEOUT + GRACE);
      expect(ledger.problems()).toEqual([]);
      for (const name of ledger.errors.keys()) expect(NETWORK_ERRORS.has(name)).toBe(true);
      const successes = results.filter((v) => v !== undefined).length;
      expect(results.slice(0, successes).every((v, i) => v === BigInt(i + 1))).toBe(true); // a prefix: 1, 2, …, n
      expect(successes).toBeLessThan(500);

      // While it is dead: refused at once, then refused without even trying (backoff).
      const dead = new Ledger(GRACE);
      issueMixed(client, dead, seededRng(41), 100);
      await dead.settle(performance.now() + GRACE);
      expect(dead.problems()).toEqual([]);
      expect(dead.succeeded).toBe(0);
      expect([...dead.errors.keys()]).toEqual(['MemcacheConnectionError']);

      await victim.restart();
      expect(await recovers(client, 400 + TIMEOUT)).toBe(true);
    } finally {
      client.destroy();
    }
  });
});

describe('a bounded queue in front of a silent server', () => {
  it('beyond maxQueue commands fail at once with MemcacheQueueFullError; everything settles; the client recovers', async () => {
    const proxy = await startFaultProxy(victim.port);
    const client = new Client(proxy.spec, { timeout: 300, maxPipeline: 50, maxQueue: 100 });
    try {
      expect(await recovers(client, 1000)).toBe(true);
      proxy.set(fault.blackhole);
      const ledger = new Ledger(300 + GRACE);
      ledger.allowed = new Set([...NETWORK_ERRORS, 'MemcacheQueueFullError']);
      // The order failures arrive in, not their timing: "at once" means before any timeout fired.
      const order: string[] = [];
      const noted = tap<unknown>({ error: (e: unknown) => void order.push((e as Error).name) });
      for (let i = 0; i < 500; i++) ledger.track(`get k:${i}`, client.get(`k:${i}`).pipe(noted), (v) => isOwnValue(`k:${i}`, v));
      issueMixed(client, ledger, seededRng(42), 500);
      await ledger.settle(performance.now() + 300 + GRACE);
      expect(ledger.problems()).toEqual([]);
      expect(ledger.errors.get('MemcacheQueueFullError')).toBeGreaterThan(800);
      expect(ledger.errors.get('MemcacheTimeoutError')).toBeGreaterThan(0); // the 50 written ones, in silence
      expect(order.filter((name) => name === 'MemcacheQueueFullError').length).toBeGreaterThan(300);
      // Refused at once: every refusal came before the first timeout, not after the timeout.
      expect(order.lastIndexOf('MemcacheQueueFullError')).toBeLessThan(order.indexOf('MemcacheTimeoutError'));
      proxy.set(fault.none);
      expect(await recovers(client, 3 * 300 + GRACE)).toBe(true);
    } finally {
      client.destroy();
      await proxy.close();
    }
  });
});
