import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import {
  FAULT_KINDS,
  Ledger,
  faultRound,
  initCounters,
  seededRng,
  stoppedNotifications,
  totalsLine,
  watchUnhandled,
  type Rig,
} from '../support/fault-harness.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

// A seeded run of random faults, one after another, against one client. Replay a run with
// FAULT_SEED=<seed> npx vitest run test/faults/seeded-run.test.ts
const FAULTS = 200;
const PER_FAULT = 500;
const TIMEOUT = 200;
const GRACE = 300;

let memcached: MemcachedServer;
let proxy: FaultProxy;
let scripted: ScriptedServer;

beforeAll(async () => {
  memcached = await startMemcached();
  proxy = await startFaultProxy(memcached.port);
  scripted = await startScriptedServer();
});
afterAll(async () => {
  await proxy.close();
  await scripted.close();
  await memcached.stop();
});

describe('seeded fault run', () => {
  it(`${FAULTS} random faults, ${PER_FAULT} commands in flight each: nothing hangs, crosses or goes unhandled`, async () => {
    const seed = Number(process.env['FAULT_SEED'] ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    console.log(`FAULT_SEED=${seed}`);
    const rng = seededRng(seed);
    const unhandled = watchUnhandled();
    const client = new Client(proxy.spec, { protocol: 'text', timeout: TIMEOUT, connectTimeout: 100 });
    let noreplyErrors = 0;
    client.noreplyErrors$.subscribe(() => noreplyErrors++);
    const rig: Rig = { client, proxy, memcached, scripted, timeout: TIMEOUT, grace: GRACE };
    const ledger = new Ledger(TIMEOUT + GRACE);
    const mix = new Map<string, number>();
    const started = performance.now();
    try {
      await initCounters(client);
      for (let n = 0; n < FAULTS; n++) {
        const label = await faultRound(rig, ledger, rng, FAULT_KINDS, PER_FAULT);
        const kind = label.split('(')[0] ?? label;
        mix.set(kind, (mix.get(kind) ?? 0) + 1);
      }
    } finally {
      client.destroy();
      await sleep(20); // a late unhandled error would surface now
      unhandled.stop();
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`seed ${seed}: ${seconds} s, ${ledger.succeeded} succeeded, errors ${JSON.stringify(Object.fromEntries(ledger.errors))}, noreply errors ${noreplyErrors}`);
    console.log(`proxy: ${JSON.stringify(proxy.stats)}, scripted server connections: ${scripted.connections}`);
    console.log(`fault mix: ${[...mix].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    const totals = { faults: FAULTS, commands: ledger.issued, hung: ledger.hung, crossed: ledger.crossed.length, unhandled: unhandled.seen.length };
    console.log(totalsLine(totals));
    expect(ledger.problems()).toEqual([]);
    expect(unhandled.seen).toEqual([]);
    expect(stoppedNotifications()).toEqual([]);
    expect(totals.hung + totals.crossed + totals.unhandled).toBe(0);
    expect(ledger.issued).toBe(FAULTS * PER_FAULT);
    // The faults really bit: nonsense from the fake server was caught, and the fake was reached.
    if ((mix.get('scripted garbage') ?? 0) + (mix.get('scripted oversized') ?? 0) > 0) expect(ledger.errors.get('MemcacheUnknownError')).toBeGreaterThan(0);
    if ((mix.get('scripted noreplyError') ?? 0) > 0) expect(noreplyErrors).toBeGreaterThan(0);
  }, 120_000);
});
