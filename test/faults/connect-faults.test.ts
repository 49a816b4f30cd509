import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheTimeoutError } from '../../src/index.js';
import { Ledger, NETWORK_ERRORS, issueMixed, recovers, seededRng } from '../support/fault-harness.js';
import { fault, startFaultProxy } from '../support/fault-proxy.js';
import { faultSuite } from '../support/fault-suite.js';
import { makeSelfSignedCert, startMemcached } from '../support/memcached.js';

// Faults on the way in: nobody answers the phone, or the line goes dead.
const TIMEOUT = 300;
const GRACE = 300;

let client: Client | undefined;
const suite = faultSuite({
  proxy: true,
  cleanup: () => {
    client?.destroy();
    client = undefined;
  },
});

/** Runs `count` self-checking commands and waits (bounded) for all of them. */
async function load(target: Client, count: number, seed: number): Promise<Ledger> {
  const ledger = new Ledger(TIMEOUT + GRACE);
  issueMixed(target, ledger, seededRng(seed), count);
  await ledger.settle(performance.now() + TIMEOUT + GRACE);
  return ledger;
}

describe('connection refused', () => {
  it('every command fails fast with a network error, and the client connects once the refusals stop', async () => {
    suite.proxy.set(fault.refuse);
    client = new Client(suite.proxy.spec, { timeout: TIMEOUT, connectTimeout: 200 });
    const ledger = await load(client, 200, 1);
    expect(ledger.problems()).toEqual([]);
    expect(ledger.succeeded).toBe(0);
    // A refusal is an answer: commands fail with it (or with the backoff after it); none waits for a timeout.
    expect(ledger.errors.has('MemcacheTimeoutError')).toBe(false);
    expect(suite.proxy.stats.refused).toBeGreaterThan(0);
    suite.proxy.set(fault.none);
    expect(await recovers(client, 1000)).toBe(true);
  });
});

describe('connect hangs (accepted, never answered)', () => {
  it('TLS: the handshake never finishes, so connectTimeout fails every command with MemcacheTimeoutError', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rxmc-fault-tls-'));
    const made = makeSelfSignedCert(dir);
    const secure = await startMemcached({ tls: { certFile: made.certFile, keyFile: made.keyFile } });
    const tlsProxy = await startFaultProxy(secure.port);
    const tlsClient = new Client(tlsProxy.spec, { tls: { ca: made.cert }, connectTimeout: 200, timeout: 1500 });
    try {
      tlsProxy.set(fault.hangConnect);
      const outcomes = await Promise.all(['a', 'b', 'c'].map((k) => tlsClient.get(k).then(() => 'value', (e: unknown) => e)));
      for (const o of outcomes) expect(o).toBeInstanceOf(MemcacheTimeoutError);
      // connectTimeout fired, not the 1500 ms command timeout: the error says which deadline it was.
      for (const o of outcomes) expect(String((o as Error).message)).toMatch(/^connecting to .* took longer than 200 ms$/);
      tlsProxy.set(fault.none);
      expect(await recovers(tlsClient, 2000)).toBe(true);
    } finally {
      tlsClient.destroy();
      await tlsProxy.close();
      await secure.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('plain TCP: the kernel completes the handshake, so the silent peer is caught by the command timeout', async () => {
    suite.proxy.set(fault.hangConnect);
    client = new Client(suite.proxy.spec, { timeout: TIMEOUT, connectTimeout: 100 });
    const ledger = await load(client, 200, 2);
    expect(ledger.problems()).toEqual([]);
    // Only noreply sets "succeed": they settle once written, and the kernel took the bytes.
    // Commands time out at their own deadlines; those written after them on the dead connection fail with
    // a connection error when it is dropped for silence (their own timeout had not passed yet).
    expect(ledger.errors.has('MemcacheTimeoutError')).toBe(true);
    expect([...ledger.errors.keys()].filter((name) => name !== 'MemcacheTimeoutError' && name !== 'MemcacheConnectionError')).toEqual([]);
    suite.proxy.set(fault.none);
    expect(await recovers(client, 3 * TIMEOUT)).toBe(true);
  });
});

describe('a silent server', () => {
  it('blackhole mid-connection: everything times out, the client drops the dead connection by itself', async () => {
    client = new Client(suite.proxy.spec, { timeout: TIMEOUT });
    expect(await recovers(client, 1000)).toBe(true);
    const before = suite.proxy.stats.connections;
    suite.proxy.set(fault.blackhole);
    const ledger = await load(client, 300, 3);
    expect(ledger.problems()).toEqual([]);
    // Commands time out at their own deadlines; those written after them on the dead connection fail with
    // a connection error when it is dropped for silence (their own timeout had not passed yet).
    expect(ledger.errors.has('MemcacheTimeoutError')).toBe(true);
    expect([...ledger.errors.keys()].filter((name) => name !== 'MemcacheTimeoutError' && name !== 'MemcacheConnectionError')).toEqual([]);
    suite.proxy.set(fault.none);
    // No help from the proxy: the old connection stays open but silent until the client gives up on it.
    expect(await recovers(client, 3 * TIMEOUT + GRACE)).toBe(true);
    expect(suite.proxy.stats.connections).toBeGreaterThan(before);
  });

  it('SIGSTOP on the real server with commands in flight, SIGCONT after two timeouts', async () => {
    client = new Client(suite.proxy.spec, { timeout: TIMEOUT });
    expect(await recovers(client, 1000)).toBe(true);
    suite.memcached.pause();
    try {
      const ledger = new Ledger(TIMEOUT + GRACE);
      issueMixed(client, ledger, seededRng(4), 300);
      await sleep(2 * TIMEOUT);
      issueMixed(client, ledger, seededRng(5), 100);
      await ledger.settle(performance.now() + TIMEOUT + GRACE);
      expect(ledger.problems()).toEqual([]);
      for (const name of ledger.errors.keys()) expect(NETWORK_ERRORS.has(name)).toBe(true);
    } finally {
      suite.memcached.resume();
    }
    expect(await recovers(client, 3 * TIMEOUT + GRACE)).toBe(true);
  });
});
