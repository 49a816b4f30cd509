import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, PooledClient } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// Thousands of meta commands in flight at once on a real memcached (no quiet mode yet: every request
// is answered), hits, misses, writes and deletes interleaved: each settles with its own result.
let server: MemcachedServer;
const COUNT = 3000;

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 32 });
});
afterAll(async () => {
  await server?.stop();
});

type Op = { kind: 'get'; key: string; expect: string | undefined } | { kind: 'set'; key: string; value: string } | { kind: 'delete'; key: string; present: boolean };

/** A deterministic mix: every fourth op a write, every fourth a read of a missing key, the rest hits and deletes. */
function plan(tag: string): { seed: Array<[string, string]>; ops: Op[] } {
  const seed: Array<[string, string]> = [];
  const ops: Op[] = [];
  for (let i = 0; i < COUNT; i++) {
    const key = `${tag}-${i}`;
    switch (i % 4) {
      case 0:
        ops.push({ kind: 'set', key, value: `new ${i}`.repeat(1 + (i % 7)) });
        break;
      case 1:
        ops.push({ kind: 'get', key: `${key}-missing`, expect: undefined });
        break;
      case 2:
        seed.push([key, `old ${i}`.repeat(1 + (i % 5))]);
        ops.push({ kind: 'get', key, expect: `old ${i}`.repeat(1 + (i % 5)) });
        break;
      default:
        if (i % 8 === 3) seed.push([key, 'doomed']);
        ops.push({ kind: 'delete', key, present: i % 8 === 3 });
    }
  }
  return { seed, ops };
}

async function runPlan(client: Client | PooledClient, tag: string): Promise<void> {
  const { seed, ops } = plan(tag);
  await Promise.all(seed.map(([key, value]) => client.metaSet(key, value)));
  const outcomes = await Promise.all(
    ops.map((op) => (op.kind === 'get' ? client.metaGet(op.key) : op.kind === 'set' ? client.metaSet(op.key, op.value) : client.metaDelete(op.key))),
  );
  for (const [i, op] of ops.entries()) {
    const outcome = outcomes[i];
    const expected =
      op.kind === 'get'
        ? expect.objectContaining(op.expect === undefined ? { hit: false, key: op.key } : { hit: true, value: op.expect, key: op.key })
        : op.kind === 'set'
          ? { status: 'stored', stored: true }
          : { status: op.present ? 'deleted' : 'not-found', deleted: op.present };
    expect(outcome, `op ${i} (${op.kind} ${op.key})`).toEqual(expected);
  }
  // The writes landed where they belong.
  const written = ops.filter((op): op is Extract<Op, { kind: 'set' }> => op.kind === 'set');
  const back = await Promise.all(written.map((op) => client.metaGet(op.key, { value: true })));
  expect(back.map((r) => r.value)).toEqual(written.map((op) => op.value));
}

describe('pipelined meta batches', () => {
  it(`${COUNT} metaGet/metaSet/metaDelete on one connection, misses interleaved, each gets its own result`, async () => {
    const client = new Client(server.spec, { timeout: 30_000 });
    try {
      await runPlan(client, `one-${Date.now()}`);
    } finally {
      await client.close();
    }
  });

  it(`the same over a pool of 3 connections`, async () => {
    const client = new PooledClient(server.spec, { timeout: 30_000, maxPoolSize: 3 });
    try {
      await runPlan(client, `pool-${Date.now()}`);
    } finally {
      await client.close();
    }
  });
});
