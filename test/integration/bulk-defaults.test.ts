import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// Ordinary bulk code must not meet the default queue bounds (issue: 20,000 gets failed 10,000 of them).

let server: MemcachedServer;
let client: Client;

beforeAll(async () => {
  server = await startMemcached({});
  client = new Client(server.spec, { timeout: 30_000 });
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

it('Promise.all of 20,000 gets and 20,000 sets at the default bounds: every one resolves with its own value', async () => {
  const n = 20_000;
  const stored = await Promise.all(Array.from({ length: n }, (_, i) => client.set(`bulk${i}`, `v${i}`, { noreply: false })));
  expect(stored.every((s) => s)).toBe(true);
  const values = await Promise.all(Array.from({ length: n }, (_, i) => client.get(`bulk${i}`)));
  expect(values.filter((v, i) => v !== `v${i}`)).toEqual([]);
});
