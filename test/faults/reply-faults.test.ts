import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { Client, MemcacheTimeoutError } from '../../src/index.js';
import { Ledger, NETWORK_ERRORS, initCounters, issueMixed, recovers, seededRng, valueFor } from '../support/fault-harness.js';
import { fault } from '../support/fault-proxy.js';
import { faultSuite } from '../support/fault-suite.js';
import { only } from '../support/only.js';

// Faults in the middle of replies: cut, late, or in crumbs. The real memcached stays healthy.
const TIMEOUT = 300;
const GRACE = 300;
const reply = { noreply: false } as const;

let client: Client;
const suite = faultSuite({ proxy: true, cleanup: () => client.destroy() });

beforeEach(async () => {
  client = new Client(suite.proxy.spec, { protocol: 'text', timeout: TIMEOUT });
  // Fill the key space so gets mostly hit: a crossed reply then shows up as a wrong value.
  await Promise.all(Array.from({ length: 200 }, (_, i) => client.set(`k:${i * 5}`, valueFor(`k:${i * 5}`), reply)));
  await initCounters(client);
});

/** 400 self-checking commands with the fault armed; then the fault ends and the client must recover. */
async function underFault(arm: () => void, seed: number): Promise<Ledger> {
  const ledger = new Ledger(TIMEOUT + GRACE);
  arm();
  issueMixed(client, ledger, seededRng(seed), 400);
  await ledger.settle(performance.now() + TIMEOUT + GRACE);
  suite.proxy.set(fault.none);
  expect(ledger.problems()).toEqual([]);
  for (const name of ledger.errors.keys()) expect(NETWORK_ERRORS.has(name)).toBe(true);
  expect(await recovers(client, 3 * TIMEOUT + GRACE)).toBe(true);
  return ledger;
}

describe('the connection is cut in the middle of replies', () => {
  it.each([0, 1, 9, 100, 4000, 20_000, 30_000])('reset (RST) after %i bytes toward the client', async (bytes) => {
    const ledger = await underFault(() => suite.proxy.set(fault.resetAfter(bytes)), bytes);
    expect(ledger.errors.size).toBeGreaterThan(0); // the fault did bite
  });

  it.each([0, 1, 9, 100, 4000, 20_000, 30_000])('clean close (FIN) after %i bytes toward the client', async (bytes) => {
    const ledger = await underFault(() => suite.proxy.set(fault.closeAfter(bytes)), bytes + 1);
    expect(ledger.errors.size).toBeGreaterThan(0);
  });
});

describe('replies delivered one byte per write', () => {
  // The deadline is generous on purpose: a byte per write is slow on a loaded machine (142 of 150 made a
  // 10 s deadline beside six busy processes on 2 cores), and this test is about parsing, not speed.
  const SLOW_TIMEOUT = 60_000;
  it('every value is parsed correctly and nothing fails', { timeout: SLOW_TIMEOUT + 10_000 }, async () => {
    const slow = new Client(suite.proxy.spec, { protocol: 'text', timeout: SLOW_TIMEOUT });
    try {
      suite.proxy.set(fault.rechunk1);
      const ledger = new Ledger(SLOW_TIMEOUT + GRACE);
      issueMixed(slow, ledger, seededRng(7), 150);
      await ledger.settle(performance.now() + SLOW_TIMEOUT + GRACE);
      expect(ledger.problems()).toEqual([]);
      expect(ledger.succeeded).toBe(150);
      expect(ledger.errors.size).toBe(0);
    } finally {
      slow.destroy();
    }
  });
});

describe('one reply late (the canonical case)', () => {
  it('first times out while its reply trickles in; second, on the same connection, gets its own value', async () => {
    await client.setMany([['first', valueFor('first')], ['second', valueFor('second')]], reply);
    const connections = suite.proxy.stats.connections;
    // 10 bytes of first's reply arrive at once (so the connection is not silent), the rest 450 ms later.
    suite.proxy.set(fault.latency(450, 10));
    const first = client.get('first').then((v) => v, (e: unknown) => e);
    const outcomeOfFirst = await first;
    // Its own deadline, not the connection's: had it waited for the late reply, it would have the value.
    expect(outcomeOfFirst).toBeInstanceOf(MemcacheTimeoutError);
    expect((outcomeOfFirst as Error).message).not.toMatch(/connection dropped/);
    const second = await client.get('second'); // written behind first's late reply
    expect(second).toBe(valueFor('second'));
    expect(suite.proxy.stats.connections).toBe(connections); // the same connection carried both
    expect(await client.get('first')).toBe(valueFor('first'));
  });

  it('first times out in silence (connection dropped); its late reply never reaches second', async () => {
    await client.setMany([['first', valueFor('first')], ['second', valueFor('second')]], reply);
    const connections = suite.proxy.stats.connections;
    suite.proxy.set(fault.hold());
    await expect(client.get('first')).rejects.toBeInstanceOf(MemcacheTimeoutError);
    suite.proxy.release(); // first's reply goes out now, to a connection the client already dropped
    expect(await client.get('second')).toBe(valueFor('second'));
    expect(suite.proxy.stats.connections).toBe(connections + 1);
  });

  it('a late chunk in the middle of a pipelined stream: whatever arrives belongs to its own command', async () => {
    for (const [seed, ms, after] of [[11, 350, 3000], [12, 500, 20_000], [13, 250, 100]] as const) {
      await underFault(() => suite.proxy.set(fault.latency(ms, after)), seed);
    }
  });
});

describe('incr is never replayed (at most once)', () => {
  it('500 pipelined incrs cut by a reset: the server counted at least the successes and at most 500', async () => {
    await client.set('counter', '0', reply);
    const direct = new Client(suite.memcached.spec, { protocol: 'text' });
    const hitsBefore = only(await direct.stats())['incr_hits'] as number;
    suite.proxy.set(fault.resetAfter(600)); // replies are "1\r\n" … "500\r\n": cut after roughly 150 of them
    const results = await Promise.allSettled(Array.from({ length: 500 }, () => client.incr('counter', 1)));
    const values = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect(NETWORK_ERRORS.has((r.reason as Error).name)).toBe(true);
    // Replies arrive in order, so the successes are exactly the first ones: 1, 2, …, n.
    expect(values).toEqual(values.map((_, i) => BigInt(i + 1)));
    suite.proxy.set(fault.none);
    try {
      const final = BigInt((await direct.get('counter')) as string);
      const stats = only(await direct.stats());
      expect(final).toBeGreaterThanOrEqual(BigInt(values.length));
      expect(final).toBeLessThanOrEqual(500n);
      expect(values.length).toBeGreaterThan(0);
      expect(values.length).toBeLessThan(500); // the fault did bite
      // Every incr the server executed shows in the counter, once.
      expect(BigInt((stats['incr_hits'] as number) - hitsBefore)).toBe(final);
    } finally {
      await direct.close();
    }
    expect(await recovers(client, 1000)).toBe(true);
  });
});

describe('close() while a timed-out reply still trickles in', () => {
  // BUG (reported): close() waits for the replies still owed to commands that already timed out. The
  // connection is only dropped when *nothing* arrives for a whole timeout, so a reply that keeps
  // trickling in (here 1 MB, one byte per read) holds close() open until its last byte, long after
  // every command settled. A server trickling forever would keep close() pending forever.
  it('resolves long before the trickle ends', async () => {
    await client.set('big', 'b'.repeat(1_000_000), reply);
    suite.proxy.set(fault.rechunk1);
    await expect(client.get('big')).rejects.toBeInstanceOf(MemcacheTimeoutError);
    // A megabyte, one byte per read, takes minutes: ten timeouts tell "waits for it" from "does not".
    const outcome = await Promise.race([client.close().then(() => 'closed'), sleep(10 * TIMEOUT).then(() => 'still pending')]);
    expect(outcome).toBe('closed');
  });
});
