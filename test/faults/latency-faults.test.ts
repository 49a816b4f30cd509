import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { valueFor } from '../support/fault-harness.js';
import { fault } from '../support/fault-proxy.js';
import { faultSuite } from '../support/fault-suite.js';

// A slow but talking server (issue 9, A.2): every reply crosses a path of steady latency, one get at
// a time (maxPipeline 1), so gets queue behind each other. A server that keeps sending bytes is not
// silent, so the connection must stay; no get may time out before its own timeout has run; a get
// whose reply arrived before its deadline must get it. Real memcached behind the fault proxy.
// The numbers (timeout 100 ms; 60 and 40 ms paths) times SCALE: the proxy runs in this
// process, so a stall of the loop between a get's write and the proxy reading its reply delays the
// reply but not the client's silence check; at ×8 only a stall over 320 ms could fake a silence (at ×3,
// 120 ms stalls did, with the whole suite and six other test runs on 2 cores).
const SCALE = 8;
const TIMEOUT = 100 * SCALE;
// libuv's loop clock is cached per turn, so a timer can fire up to ~1 ms early by performance.now().
const CLOCK_SLACK = 3;
// A reply handed to the client's socket this long before the deadline has certainly reached it.
const ARRIVAL_SLACK = 5;

interface Outcome {
  readonly key: string;
  readonly subscribedAt: number;
  settledAt?: number;
  value?: unknown;
  error?: Error;
}

let client: Client;
/** When each key's reply was handed to the client's socket (the proxy sees it go). */
const arrivals = new Map<string, number>();

const suite = faultSuite({ proxy: true, cleanup: () => client.destroy() });

beforeEach(async () => {
  arrivals.clear();
  suite.proxy.onDelivery = (chunk) => {
    for (const [, key] of chunk.toString('latin1').matchAll(/VALUE (\S+) /g)) arrivals.set(key as string, performance.now());
  };
  client = new Client(suite.proxy.spec, { protocol: 'text', timeout: TIMEOUT, maxPipeline: 1 });
  // Every get is a hit, so each reply names its key and the proxy can tell whose it is.
  await Promise.all(Array.from({ length: 48 }, (_, i) => client.set(`lat:${i}`, valueFor(`lat:${i}`), { noreply: false })));
});

/** Issues `rounds` × `perRound` gets, a round every `spacingMs`, and waits for all of them. */
async function paced(rounds: number, perRound: number, spacingMs: number): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  const settled: Array<Promise<void>> = [];
  for (let r = 0; r < rounds; r++) {
    if (r > 0) await sleep(spacingMs);
    for (let i = 0; i < perRound; i++) {
      const o: Outcome = { key: `lat:${r * perRound + i}`, subscribedAt: performance.now() };
      outcomes.push(o);
      settled.push(
        client.get(o.key).then(
          (value) => void ((o.settledAt = performance.now()), (o.value = value)),
          (error: unknown) => void ((o.settledAt = performance.now()), (o.error = error as Error)),
        ),
      );
    }
  }
  await Promise.all(settled);
  return outcomes;
}

/** Everything the outcomes must satisfy, as readable problems (empty when right). */
function problems(outcomes: readonly Outcome[]): string[] {
  const found: string[] = [];
  for (const o of outcomes) {
    const took = (o.settledAt ?? Number.NaN) - o.subscribedAt;
    const arrived = arrivals.get(o.key);
    const inTime = arrived !== undefined && arrived < o.subscribedAt + TIMEOUT - ARRIVAL_SLACK;
    if (o.error === undefined && o.value !== valueFor(o.key)) found.push(`${o.key} resolved with another value`);
    if (o.error === undefined) continue;
    if (o.error.name !== 'MemcacheTimeoutError') found.push(`${o.key} failed with ${o.error.name}: ${o.error.message}`);
    else if (took < TIMEOUT - CLOCK_SLACK) found.push(`${o.key} timed out ${took.toFixed(1)} ms after it was subscribed: ${o.error.message}`);
    if (inTime) found.push(`${o.key} failed although its reply arrived ${(arrived - o.subscribedAt).toFixed(1)} ms after subscribing: ${o.error.message}`);
    if (/connection dropped/.test(o.error.message)) found.push(`${o.key}: ${o.error.message}`);
  }
  return found;
}

function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const name = o.error === undefined ? 'value' : /connection dropped/.test(o.error.message) ? 'dropped' : o.error.name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

describe('steady latency with maxPipeline 1', () => {
  it('0.6 timeout per reply, a get every 0.2 timeout: no early timeout, no false silence, answers in time are delivered', { timeout: 60_000 }, async () => {
    suite.proxy.set(fault.delay(60 * SCALE));
    const outcomes = await paced(30, 1, 20 * SCALE);
    console.log(`${60 * SCALE} ms path, 30 gets: ${JSON.stringify(tally(outcomes))}`);
    expect(problems(outcomes)).toEqual([]);
    expect(suite.proxy.stats.connections).toBe(1); // bytes kept arriving, so the connection was never dropped
  });

  it('0.4 timeout per reply, 48 gets in rounds of 4: none fails as "sent nothing … connection dropped"', { timeout: 60_000 }, async () => {
    suite.proxy.set(fault.delay(40 * SCALE));
    const outcomes = await paced(12, 4, 40 * SCALE);
    console.log(`${40 * SCALE} ms path, 48 gets: ${JSON.stringify(tally(outcomes))}`);
    expect(problems(outcomes)).toEqual([]);
    expect(suite.proxy.stats.connections).toBe(1);
    // The same connection still works once the queue has drained.
    expect(await client.get('lat:0')).toBe(valueFor('lat:0'));
    expect(suite.proxy.stats.connections).toBe(1);
  });
});
