/**
 * Soak test (not run in CI): minutes of mixed, self-checking load with random faults through the fault
 * proxy, including SIGKILL/restart cycles of a real memcached this script starts itself. Prints the
 * seed, the same totals line as the seeded fault run, and the process RSS before and after.
 *
 *   npm run soak                       # 3 minutes
 *   SOAK_SECONDS=60 FAULT_SEED=42 npm run soak
 *
 * Exits 0 when nothing hung, crossed or went unhandled, 1 otherwise.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '../src/index.js';
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
} from '../test/support/fault-harness.js';
import { startFaultProxy } from '../test/support/fault-proxy.js';
import { startMemcached } from '../test/support/memcached.js';
import { startScriptedServer } from '../test/support/scripted-server.js';

const TIMEOUT = 200;
const GRACE = 300;
const PER_FAULT = 500;
const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

function collectGarbage(): void {
  // Only present under `node --expose-gc`; otherwise RSS is reported as it is.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
}

async function main(): Promise<number> {
  const seconds = Number(process.env['SOAK_SECONDS'] ?? 180);
  const seed = Number(process.env['FAULT_SEED'] ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
  console.log(`FAULT_SEED=${seed}, ${seconds} s`);
  const memcached = await startMemcached();
  const proxy = await startFaultProxy(memcached.port);
  const scripted = await startScriptedServer();
  const client = new Client(proxy.spec, { timeout: TIMEOUT, connectTimeout: 100 });
  const unhandled = watchUnhandled();
  const ledger = new Ledger(TIMEOUT + GRACE);
  const rng = seededRng(seed);
  const rig: Rig = { client, proxy, memcached, scripted, timeout: TIMEOUT, grace: GRACE };
  let stopping = false;
  const stop = (): void => void (stopping = true);
  process.once('SIGINT', stop);
  let faults = 0;
  let kills = 0;
  try {
    await initCounters(client);
    collectGarbage();
    const rssStart = process.memoryUsage().rss;
    const end = performance.now() + seconds * 1000;
    let nextReport = performance.now() + 10_000;
    while (performance.now() < end && !stopping) {
      const label = await faultRound(rig, ledger, rng, FAULT_KINDS, PER_FAULT);
      faults++;
      if (label === 'SIGKILL') kills++;
      if (performance.now() >= nextReport) {
        nextReport += 10_000;
        console.log(`… ${faults} faults (${kills} SIGKILL/restart), ${ledger.issued} commands, rss ${mb(process.memoryUsage().rss)} MB`);
      }
    }
    client.destroy();
    await sleep(20);
    collectGarbage();
    const rssEnd = process.memoryUsage().rss;
    const totals = { faults, commands: ledger.issued, hung: ledger.hung, crossed: ledger.crossed.length, unhandled: unhandled.seen.length };
    console.log(`SIGKILL/restart cycles: ${kills}, succeeded: ${ledger.succeeded}, errors: ${JSON.stringify(Object.fromEntries(ledger.errors))}`);
    console.log(totalsLine(totals));
    console.log(`rss start: ${mb(rssStart)} MB, end: ${mb(rssEnd)} MB`);
    const problems = [...ledger.problems(), ...stoppedNotifications().map((s) => `notified after settling: ${s}`)];
    for (const p of problems) console.error(p);
    return problems.length === 0 && totals.unhandled === 0 ? 0 : 1;
  } finally {
    unhandled.stop();
    process.off('SIGINT', stop);
    client.destroy();
    await proxy.close();
    await scripted.close();
    await memcached.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
