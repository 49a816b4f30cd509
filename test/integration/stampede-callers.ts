// Many getOrSet callers on one key, run by the stampede test in its own process and, as a script, in a
// child process against the same memcached (`node stampede-callers.js '<json Plan>'`).
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, type MemcacheClient } from '../../src/index.js';
import type { DefaultValue } from '../../src/serde/default.js';

/** What one process does. */
export interface Plan {
  readonly server: string;
  readonly key: string;
  /** A counter key every loader run increments (across processes). */
  readonly runs: string;
  /** 'missing': the loader takes `loaderMs`. 'stale': the loader waits until `callers - 1` callers have their value (counted in `done`). */
  readonly mode: 'missing' | 'stale';
  readonly value: string;
  readonly callers: number;
  readonly loaderMs: number;
  /** Every caller's getOrSet timeout, ms. */
  readonly timeout: number;
  /** The counter of callers that resolved ('stale' mode), and how many of all processes' callers to wait for. */
  readonly done: string;
  readonly allCallers: number;
  /** Child only: the key to set once ready, the key to wait for before starting, and where to write the outcome. */
  readonly ready?: string;
  readonly go?: string;
  readonly out?: string;
}

/** What one process saw. */
export interface Outcome {
  /** How many callers got each value. */
  readonly values: Record<string, number>;
  /** Errors by `name: message`. */
  readonly errors: string[];
  /** The longest a caller waited for its value, ms (reported, never asserted). */
  readonly maxWaitMs: number;
}

type AnyClient = MemcacheClient<DefaultValue>;

/** Runs `plan.callers` concurrent getOrSet callers, spread round-robin over `clients`. */
export async function runCallers(clients: readonly AnyClient[], plan: Plan, freshness: { ttl: number; recache?: number } = { ttl: 120 }): Promise<Outcome> {
  const first = clients[0] as AnyClient;
  const loader = async (): Promise<string> => {
    await bump(first, plan.runs);
    if (plan.mode === 'missing') await sleep(plan.loaderMs);
    else await waitForCount(first, plan.done, plan.allCallers - 1, 10_000);
    return plan.value;
  };
  const values: Record<string, number> = {};
  const errors: string[] = [];
  let maxWaitMs = 0;
  await Promise.all(
    Array.from({ length: plan.callers }, async (_, i) => {
      const client = clients[i % clients.length] as AnyClient;
      const started = performance.now();
      try {
        const value = String(await client.getOrSet(plan.key, loader, { ...freshness, lease: 10, timeout: plan.timeout, poll: { initial: 5, max: 50 } }));
        values[value] = (values[value] ?? 0) + 1;
        maxWaitMs = Math.max(maxWaitMs, performance.now() - started);
        await bump(first, plan.done);
      } catch (error) {
        errors.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      }
    }),
  );
  return { values, errors, maxWaitMs: Math.round(maxWaitMs) };
}

/** Adds one to a counter, creating it at 1 (`ma` with `N` on a miss stores `initial` without adding). */
export async function bump(client: AnyClient, key: string): Promise<void> {
  await client.metaArithmetic(key, { vivify: 120, initial: 1 });
}

/** Polls a counter until it reaches `target` or `limitMs` passes (bounded either way). */
export async function waitForCount(client: AnyClient, key: string, target: number, limitMs: number): Promise<number> {
  const deadline = performance.now() + limitMs;
  for (;;) {
    const value = Number((await client.metaArithmetic(key, { delta: 0, vivify: 120, initial: 0 })).value ?? 0n);
    if (value >= target || performance.now() >= deadline) return value;
    await sleep(5);
  }
}

async function main(plan: Plan): Promise<void> {
  const clients = [new Client(plan.server), new Client(plan.server), new Client(plan.server)];
  await Promise.all(clients.map((c) => c.version()));
  await bump(clients[0] as AnyClient, plan.ready ?? 'ready');
  await waitForCount(clients[0] as AnyClient, plan.go ?? 'go', 1, 20_000);
  const outcome = await runCallers(clients, plan);
  writeFileSync(plan.out ?? 'outcome.json', JSON.stringify(outcome));
  await Promise.all(clients.map((c) => c.close()));
}

if (process.argv[1]?.endsWith('stampede-callers.js') === true) {
  main(JSON.parse(process.argv[2] ?? '{}') as Plan).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
