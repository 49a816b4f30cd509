import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, PooledClient, type MemcacheClient } from '../../src/index.js';
import type { DefaultValue } from '../../src/serde/default.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { spawnTracked, terminate, type Tracked } from '../support/processes.js';
import { buildDir, removeBuildDir, transpileTree } from '../support/transpiled.js';
import { bump, runCallers, waitForCount, type Outcome, type Plan } from './stampede-callers.js';

// The stampede: 200 getOrSet callers on one key, half in this process over four kinds of client, half in
// a child node process over three more, against one real memcached. Outcomes only: how many times the
// loader ran (a counter the loader increments on the server), what every caller got, and no errors (a
// caller waiting past its timeout would fail with MemcacheTimeoutError). Wait times are printed, not asserted.

const CALLERS_EACH = 100;
const TIMEOUT_MS = 10_000;
let server: MemcachedServer;
let clients: MemcacheClient<DefaultValue>[];
let script: string;
let dir: string | undefined;
const children: Tracked[] = [];

beforeAll(async () => {
  server = await startMemcached();
  clients = [new Client(server.spec), new Client(server.spec), new PooledClient(server.spec, { maxPoolSize: 3 }), new HashClient([server.spec])];
  dir = buildDir('stampede-child');
  script = join(transpileTree(['src', 'test/integration/stampede-callers.ts'], dir), 'test', 'integration', 'stampede-callers.js');
}, 60_000);

afterAll(async () => {
  for (const child of children) await terminate(child);
  await Promise.all(clients.map((c) => c.close()));
  await server?.stop();
  if (dir !== undefined) removeBuildDir(dir);
});

/** Runs the plan here and in a child process at once; returns both outcomes. */
async function stampede(name: string, plan: Omit<Plan, 'server' | 'callers' | 'allCallers'>): Promise<[Outcome, Outcome]> {
  const full: Plan = { ...plan, server: server.spec, callers: CALLERS_EACH, allCallers: 2 * CALLERS_EACH };
  const go = `${name}:go`;
  const out = join(dir ?? '.', `${name}.json`);
  const child = spawnTracked(process.execPath, [script, JSON.stringify({ ...full, ready: `${name}:ready`, go, out })]);
  children.push(child);
  const first = clients[0] as MemcacheClient<DefaultValue>;
  expect(await waitForCount(first, `${name}:ready`, 1, 30_000), child.output()).toBe(1);
  await bump(first, go);
  const here = await runCallers(clients, full);
  await Promise.race([child.closed, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  expect(child.isClosed(), 'child still running').toBe(true);
  const there = JSON.parse(readFileSync(out, 'utf8')) as Outcome;
  console.log(`[stampede ${name}] here ${JSON.stringify(here)}; child ${JSON.stringify(there)}`);
  return [here, there];
}

const runs = async (key: string): Promise<bigint | undefined> => (await clients[0]?.metaArithmetic(key, { delta: 0 }))?.value;

describe('getOrSet against real memcached, across clients and processes', () => {
  it('200 callers on a missing key: the 200 ms loader runs exactly once and every caller gets its value', async () => {
    const [here, there] = await stampede('missing', { key: 'hot', runs: 'hot:runs', done: 'hot:done', mode: 'missing', value: 'v1', loaderMs: 200, timeout: TIMEOUT_MS });
    expect([here.errors, there.errors]).toEqual([[], []]);
    expect([here.values, there.values]).toEqual([{ v1: CALLERS_EACH }, { v1: CALLERS_EACH }]);
    expect(await runs('hot:runs')).toBe(1n);
  }, 90_000);

  it('after invalidate, 200 callers get the stale value while exactly one refreshes it', async () => {
    expect(await clients[0]?.invalidate('hot', { staleTtl: 60 })).toBe(true);
    // The loader returns only once 199 callers have their value: they cannot have waited for it.
    const [here, there] = await stampede('stale', { key: 'hot', runs: 'hot:stale-runs', done: 'hot:stale-done', mode: 'stale', value: 'v2', loaderMs: 0, timeout: TIMEOUT_MS });
    expect([...here.errors, ...there.errors]).toEqual([]);
    expect((here.values.v1 ?? 0) + (there.values.v1 ?? 0)).toBe(2 * CALLERS_EACH - 1);
    expect((here.values.v2 ?? 0) + (there.values.v2 ?? 0)).toBe(1);
    expect(await runs('hot:stale-runs')).toBe(1n);
    const after = await clients[1]?.metaGet('hot');
    expect([after?.value, after?.stale]).toEqual(['v2', false]);
  }, 90_000);

  it('with recache, a value close to expiry is refreshed by one caller while the others keep getting it', async () => {
    const [a, b] = clients as [MemcacheClient<DefaultValue>, MemcacheClient<DefaultValue>];
    await a.set('warm', 'old', { expire: 100, noreply: false });
    const plan: Plan = { server: server.spec, key: 'warm', runs: 'warm:runs', done: 'warm:done', mode: 'stale', value: 'new', callers: 20, allCallers: 20, loaderMs: 0, timeout: TIMEOUT_MS };
    // 100 s left is below recache: due for a refresh. The new value lives 300 s, so it is not.
    const outcome = await runCallers(clients, plan, { ttl: 300, recache: 200 });
    expect(outcome.errors).toEqual([]);
    expect(outcome.values).toEqual({ old: 19, new: 1 });
    expect(await runs('warm:runs')).toBe(1n);
    const after = await b.metaGet('warm', { ttl: true });
    expect([after.value, after.won, (after.ttl ?? 0) > 200]).toEqual(['new', false, true]);
  }, 30_000);
});
