import { lastValueFrom, from, mergeMap, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// Client options about one connection, against a real memcached. The options every client shares
// (keyPrefix, allowUnicodeKeys, defaultNoreply, serde) are in the contract suite (test/contract).
let server: MemcachedServer;

beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server.stop();
});

describe('pipelining', () => {
  it('maxPipeline bounds what is in flight; everything still settles with its own value', async () => {
    const client = new Client(server.spec, { maxPipeline: 4, timeout: 5000 });
    try {
      const keys = Array.from({ length: 300 }, (_, i) => `mp:${i}`);
      await client.setMany(keys.map((k) => [k, `v-${k}`] as const), { noreply: false });
      let peak = 0;
      const values = await lastValueFrom(
        from(keys).pipe(
          mergeMap((k) => {
            peak = Math.max(peak, client.load.inFlight);
            return client.get(k);
          }, 100),
          toArray(),
        ),
      );
      expect(peak).toBeLessThanOrEqual(4);
      expect(new Set(values)).toEqual(new Set(keys.map((k) => `v-${k}`)));
    } finally {
      await client.close();
    }
  });
});
