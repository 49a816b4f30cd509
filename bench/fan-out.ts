// Fan-out benchmark: HashClient's setMany and getMany of 1k, 10k and 100k keys over three memcached
// servers. Every key is routed, grouped by server, sent as one batch per server and the results folded
// back, so the client-side cost of that bookkeeping shows up next to the network time.
//
//   npm run bench                                 the client comparison, then this
//   node .build/bench/run.js --fan-out [--rounds=N]   this alone
import { performance } from 'node:perf_hooks';
import { HashClient } from '../src/index.js';
import { acquireServer, type ServerHandle } from './server.js';

const SIZES = [1_000, 10_000, 100_000] as const;
const VALUE = 'v'.repeat(100);

interface Timing {
  readonly keys: number;
  readonly setManyMs: number[];
  readonly getManyMs: number[];
}

/** Three servers: MEMCACHED_SERVERS as given (one or more), or three we start and stop. */
async function servers(): Promise<{ specs: string[]; handles: ServerHandle[]; origin: string }> {
  const env = process.env['MEMCACHED_SERVERS']?.trim();
  if (env) return { specs: env.split(/[\s,]+/), handles: [], origin: `MEMCACHED_SERVERS=${env}` };
  const handles = await Promise.all([acquireServer(), acquireServer(), acquireServer()]);
  return { specs: handles.map((h) => h.address), handles, origin: 'three memcached started for this run' };
}

async function timed(run: () => PromiseLike<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

/** One round at one size: store every key, read them all back, check that nothing was lost. */
async function round(cluster: HashClient, size: number, round: number): Promise<{ set: number; get: number }> {
  const keys = Array.from({ length: size }, (_, i) => `fo:${round}:${size}:${i}`);
  let unstored: string[] = [];
  const set = await timed(async () => (unstored = await cluster.setMany(keys.map((k) => [k, VALUE] as const), { noreply: false })));
  let hits = 0;
  const get = await timed(async () => (hits = (await cluster.getMany(keys)).size));
  if (unstored.length > 0 || hits !== size) throw new Error(`fan-out of ${size} keys: ${unstored.length} not stored, ${hits} read back`);
  return { set, get };
}

const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const ms = (value: number): string => (value >= 100 ? value.toFixed(0) : value.toFixed(1)).padStart(9);

function render(timings: readonly Timing[], rounds: number): string {
  const rows = timings.map((t) => `| ${String(t.keys).padStart(7)} | ${ms(median(t.setManyMs))} | ${ms(median(t.getManyMs))} |`);
  return [
    `HashClient fan-out over 3 servers, median of ${rounds} round(s), ms (100-byte values)`,
    '|    keys |   setMany |   getMany |',
    '|--------:|----------:|----------:|',
    ...rows,
  ].join('\n');
}

/**
 * Runs the fan-out benchmark and returns its table.
 *
 * @example
 * ```ts
 * console.log(await runFanOutBench(3));
 * ```
 */
export async function runFanOutBench(rounds: number): Promise<string> {
  const { specs, handles, origin } = await servers();
  const cluster = new HashClient(specs, { timeout: 120_000, connectTimeout: 5_000 });
  try {
    const timings: Timing[] = SIZES.map((keys) => ({ keys, setManyMs: [], getManyMs: [] }));
    await round(cluster, 100, -1); // warm-up: connections open, code paths compiled
    for (let r = 0; r < rounds; r++) {
      for (const timing of timings) {
        const { set, get } = await round(cluster, timing.keys, r);
        timing.setManyMs.push(set);
        timing.getManyMs.push(get);
        process.stderr.write(`  fan-out round ${r + 1}/${rounds}, ${timing.keys} keys: setMany ${set.toFixed(1)} ms, getMany ${get.toFixed(1)} ms\n`);
      }
    }
    return `servers: ${specs.join(', ')} (${origin})\n${render(timings, rounds)}`;
  } finally {
    await cluster.close();
    await Promise.all(handles.map((h) => h.close()));
  }
}
