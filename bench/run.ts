// Benchmark: rxmemcache against memjs, memcached (3rd-Eden) and memcache-client.
//
//   npm run bench                                   all clients, one table
//   node .build/bench/run.js --clients=memjs,memcached   a subset
//   node .build/bench/run.js --client=memjs [--server=127.0.0.1:11211]
//                                                   one client in this process
//   node .build/bench/run.js --fan-out              only HashClient's fan-out (bench/fan-out.ts)
//
// The parent starts (or finds) memcached, then runs each client in its own
// child process (`--client=<name> --server=<host:port>`) so peak RSS is per
// client, one child after another so they do not share the CPU. It does that
// for `--rounds` rounds (default 3, order rotated each round) and reports each
// client's median run per workload.
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLIENT_NAMES, errorText, isClientName, type Adapter, type ChildResult, type ClientName } from './adapter.js';
import { renderReport } from './report.js';
import { mergeRounds, roundOrder } from './rounds.js';
import { acquireServer, serverVersion, type ServerHandle } from './server.js';
import { Bench, WORKLOADS } from './workloads.js';

/** Safety net only: a child normally finishes well inside this. */
const CHILD_TIMEOUT_MS = 90_000;

const cleanups = new Set<() => void>();
const cleanup = (): void => {
  for (const f of cleanups) f();
  cleanups.clear();
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

async function createAdapter(name: ClientName, address: string): Promise<Adapter> {
  if (name === 'rxmemcache') return (await import('./rx-adapter.js')).createRxAdapter(address);
  if (name === 'rxmemcache-meta') return (await import('./rx-adapter.js')).createRxAdapter(address, undefined, 'meta');
  if (name === 'rxmemcache-text') return (await import('./rx-adapter.js')).createRxAdapter(address, undefined, 'text');
  if (name === 'rxmemcache-pool1') return (await import('./rx-adapter.js')).createRxAdapter(address, 1);
  if (name === 'rxmemcache-pool2') return (await import('./rx-adapter.js')).createRxAdapter(address, 2);
  if (name === 'rxmemcache-pool4') return (await import('./rx-adapter.js')).createRxAdapter(address, 4);
  const peers = await import('./peers.js');
  if (name === 'memjs') return peers.createMemjsAdapter(address);
  if (name === 'memcached') return peers.createMemcachedAdapter(address);
  return peers.createMemcacheClientAdapter(address);
}

async function withTimeout<T>(p: PromiseLike<T> | T, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  try {
    return await Promise.race([Promise.resolve(p), t]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every workload for one client in this process. */
async function runClient(name: ClientName, address: string): Promise<ChildResult> {
  const result: ChildResult = { client: name, notes: [], getManyEmulated: false, workloads: {} };
  let adapter: Adapter | undefined;
  try {
    adapter = await createAdapter(name, address);
    result.notes.push(...adapter.notes);
    result.getManyEmulated = adapter.getManyEmulated;
    const bench = new Bench(adapter);
    await bench.prepare();
    for (const spec of WORKLOADS) {
      const w = await bench.run(spec);
      if (w === undefined) continue;
      result.workloads[spec.id] = w;
      const rate = w.seconds > 0 ? Math.round(w.ops / w.seconds).toLocaleString('en-US') : '-';
      process.stderr.write(`  ${name} ${spec.id}: ${w.error ? `error: ${w.error}` : `${w.ops} ops, ${rate}/s`}\n`);
    }
  } catch (e) {
    result.error = errorText(e);
    process.stderr.write(`  ${name} failed: ${result.error}\n`);
  }
  result.maxRssKiB = process.resourceUsage().maxRSS;
  if (adapter) {
    try {
      await withTimeout(adapter.close(), 2000);
    } catch {
      // closing errors do not change the numbers
    }
  }
  return result;
}

/** Loaded on demand, like the rxmemcache adapter, so the peer children never load src/. */
async function fanOut(rounds: number): Promise<string> {
  return (await import('./fan-out.js')).runFanOutBench(rounds);
}

function runChild(name: ClientName, address: string): Promise<ChildResult> {
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    const child: ChildProcess = fork(script, [`--client=${name}`, `--server=${address}`], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    cleanups.add(kill);
    let got: ChildResult | undefined;
    const timer = setTimeout(kill, CHILD_TIMEOUT_MS);
    child.on('message', (m) => (got = m as ChildResult));
    const finish = (why: string): void => {
      clearTimeout(timer);
      cleanups.delete(kill);
      resolve(got ?? { client: name, error: why, notes: [], getManyEmulated: false, workloads: {} });
    };
    child.on('error', (e) => finish(e.message));
    child.on('exit', (code, sig) => finish(sig ? `child killed by ${sig}` : `child exited with ${code} and no result`));
  });
}

/** The server's worker threads (`stats` → `threads`): how much a pool of connections can spread over. */
async function serverThreads(address: string): Promise<string> {
  const { Client } = await import('../src/index.js');
  const client = new Client(address, { timeout: 2000 });
  try {
    return String([...(await client.stats()).values()][0]?.['threads'] ?? 'unknown');
  } catch (e) {
    return `unknown (${errorText(e)})`;
  } finally {
    await client.close();
  }
}

function commandUsed(): string {
  const event = process.env['npm_lifecycle_event'];
  if (event) return `npm run ${event}  (${process.env['npm_lifecycle_script'] ?? ''})`;
  const script = path.relative(process.cwd(), process.argv[1] ?? '');
  return ['node', script, ...process.argv.slice(2)].join(' ');
}

async function header(server: ServerHandle): Promise<string> {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return [
    `node ${process.version} (${process.platform}/${process.arch}), ${os.cpus().length} × ${cpu}`,
    `memcached ${await serverVersion(server.host, server.port)} at ${server.address}: ${server.origin}, ${await serverThreads(server.address)} threads`,
    `command: ${commandUsed()}`,
    `workloads: ${WORKLOADS.map((w) => `${w.id} ${w.ops.toLocaleString('en-US')} ops × ${w.inFlight} in flight`).join('; ')}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      client: { type: 'string' },
      server: { type: 'string' },
      clients: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      'fan-out': { type: 'boolean', default: false },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, not ${values.rounds}`);
  const wanted = (values.clients ?? values.client ?? CLIENT_NAMES.join(',')).split(',').map((s) => s.trim());
  const bad = wanted.filter((c) => !isClientName(c));
  if (bad.length > 0) throw new Error(`unknown client(s) ${bad.join(', ')}; known: ${CLIENT_NAMES.join(', ')}`);
  const names = wanted.filter(isClientName);
  if (values['fan-out']) {
    console.log(await fanOut(rounds));
    process.exit(0);
  }

  // Child of the parent: measure, send the result, exit.
  if (values.client !== undefined && values.server !== undefined && process.send) {
    const result = await runClient(names[0]!, values.server);
    process.send(result, () => process.exit(0));
    return;
  }

  let server: ServerHandle | undefined;
  if (values.server === undefined) {
    server = await acquireServer();
    cleanups.add(server.stop);
  } else {
    const [host = '127.0.0.1', port = '11211'] = values.server.split(':');
    server = { host, port: Number(port), address: values.server, origin: '--server', stop: () => {}, close: async () => {} };
  }
  console.log(await header(server));
  // The first child to run measured slower than later identical ones (three rxmemcache children in a
  // row: get p50 95 / 72 / 72 µs, 100 KB 13.8k / 15.7k / 16.2k ops/s), whichever client it was. A
  // discarded run first keeps that penalty off the table.
  if (values.client === undefined) {
    process.stderr.write(`warm-up run (discarded), ${names[0]}:\n`);
    await runChild(names[0]!, server.address);
  }
  const byClient = new Map<ClientName, ChildResult[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of roundOrder(names, round)) {
      process.stderr.write(`round ${round + 1}/${rounds}, ${name}:\n`);
      // --client=<name> alone runs in this process; otherwise one child each.
      const result = values.client !== undefined ? await runClient(name, server.address) : await runChild(name, server.address);
      byClient.get(name)?.push(result);
    }
  }
  const results = names.map((name) => mergeRounds(byClient.get(name) ?? []));
  console.log(`\nmedian of ${rounds} round(s) per client and workload\n` + renderReport(results));
  await server.close();
  if (values.client === undefined) console.log(`\n${await fanOut(rounds)}`);
  cleanup();
  process.exit(0);
}

main().catch((e: unknown) => {
  console.error(`bench failed: ${errorText(e)}`);
  cleanup();
  process.exit(1);
});
