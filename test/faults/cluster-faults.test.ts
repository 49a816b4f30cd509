import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HashClient, type ServerHealth } from '../../src/index.js';
import { Ledger, NETWORK_ERRORS, initCounters, issueMixed, recovers, seededRng, stoppedNotifications, watchUnhandled } from '../support/fault-harness.js';
import { fault, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { freePort, startMemcached, type MemcachedServer } from '../support/memcached.js';

// A flapping server in a cluster: it refuses, comes back, refuses again, while traffic keeps flowing.
const TIMEOUT = 500;
const GRACE = 300;

let servers: MemcachedServer[];
let proxy: FaultProxy;

beforeAll(async () => {
  servers = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
  proxy = await startFaultProxy((servers[2] as MemcachedServer).port);
});
afterAll(async () => {
  await proxy.close();
  await Promise.all(servers.map((s) => s.stop()));
});

/**
 * Waits (bounded) until every server reports `up`. A failing server changes state only when a command
 * tries it, so this keeps reading a key that lives on the flapping server.
 */
async function allUp(cluster: HashClient, flapper: string, withinMs: number): Promise<boolean> {
  let latest: ReadonlyMap<string, ServerHealth> = new Map();
  const sub = cluster.health$.subscribe((h) => (latest = h));
  const key = Array.from({ length: 1000 }, (_, i) => `k:${i}`).find((k) => cluster.serverFor(k) === flapper) ?? 'k:0';
  try {
    for (const end = performance.now() + withinMs; performance.now() < end; await sleep(50)) {
      if (latest.size === 3 && [...latest.values()].every((h) => h.state === 'up')) return true;
      await cluster.get(key).catch(() => undefined);
    }
    return false;
  } finally {
    sub.unsubscribe();
  }
}

describe('HashClient with one flapping server', () => {
  it('1000 mixed commands while one of 3 servers flips between refusing and answering every 200 ms', async () => {
    const unhandled = watchUnhandled();
    const specs = [servers[0]?.spec ?? '', servers[1]?.spec ?? '', proxy.spec];
    const cluster = new HashClient(specs, { timeout: TIMEOUT, connectTimeout: 200, retryAttempts: 2, retryTimeout: 200, deadTimeout: 1000 });
    const states = new Set<string>();
    cluster.health$.subscribe((all) => {
      const h = all.get(proxy.spec);
      if (h !== undefined) states.add(h.state);
    });
    try {
      await initCounters(cluster);
      const ledger = new Ledger(TIMEOUT + GRACE);
      // Failing servers fail fast; partial fan-outs report the healthy servers' share.
      ledger.allowed = new Set([...NETWORK_ERRORS, 'MemcacheClusterError']);
      const rng = seededRng(2024);
      let refusing = false;
      const flapping = setInterval(() => {
        refusing = !refusing;
        proxy.set(refusing ? fault.refuse : fault.none);
        if (refusing) proxy.dropAll(); // the open connection dies too, so the client must reconnect
      }, 200);
      for (let batch = 0; batch < 100; batch++) {
        issueMixed(cluster, ledger, rng, 10);
        await sleep(30);
      }
      clearInterval(flapping);
      proxy.set(fault.none);
      await ledger.settle(performance.now() + TIMEOUT + GRACE);
      expect(ledger.issued).toBe(1000);
      expect(ledger.problems()).toEqual([]);
      expect(ledger.succeeded).toBeGreaterThan(500); // two servers never flapped
      expect(ledger.errors.size).toBeGreaterThan(0); // and the third really did
      expect(proxy.stats.refused).toBeGreaterThan(0);
      expect(states.has('failing') || states.has('dead')).toBe(true);
      // The flapping server rejoins (a failing one on its next command, a dead one after its probe).
      expect(await allUp(cluster, proxy.spec, 5000)).toBe(true);
      expect(await recovers(cluster, 2000)).toBe(true);
    } finally {
      await cluster.close();
      await sleep(20);
      unhandled.stop();
    }
    expect(unhandled.seen).toEqual([]);
    expect(stoppedNotifications()).toEqual([]);
  });
});

describe('HashClient fan-out and the Observable contract', () => {
  // Found by the flapping run above (10 of 61 cluster errors), fixed in bbf99e6: when every share of a
  // fan-out failed synchronously (keys only on a server in its fast-fail window, or a client refusing
  // during its reconnect backoff), HashClientCore.many/everyServer sent error and then complete inside
  // subscribe(), before the teardown existed. RxJS dropped the complete and reported it to
  // config.onStoppedNotification.
  it('a getMany whose only server is failing ends with its error alone, no complete after it', async () => {
    const nobody = await freePort();
    const dead = `127.0.0.1:${nobody}`;
    const cluster = new HashClient([servers[0]?.spec ?? '', dead], { timeout: TIMEOUT, connectTimeout: 200, retryAttempts: 5, retryTimeout: 5000 });
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `k:${i}`).filter((k) => cluster.serverFor(k) === dead);
      const ledger = new Ledger(TIMEOUT + GRACE);
      ledger.allowed = new Set(['MemcacheClusterError']);
      const before = stoppedNotifications().length;
      ledger.track('getMany: first failure, asynchronous (connection refused)', cluster.getMany(keys), () => true);
      await ledger.settle(performance.now() + TIMEOUT + GRACE);
      ledger.track('getMany: the server is failing now, refused synchronously', cluster.getMany(keys), () => true);
      await ledger.settle(performance.now() + TIMEOUT + GRACE);
      await sleep(10); // RxJS reports a dropped notification one timer tick later
      expect(ledger.problems()).toEqual([]);
      expect(ledger.errors.get('MemcacheClusterError')).toBe(2);
      expect(stoppedNotifications().slice(before)).toEqual([]);
    } finally {
      await cluster.close();
    }
  });
});
