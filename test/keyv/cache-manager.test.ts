import { createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { MemcacheKeyvStore } from '../../src/keyv/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// The README's cache-manager 7 example ("Keyv, cache-manager, cacheable, NestJS"), as written there but
// for the imports and the server address, then checked against memcached itself.
let server: MemcachedServer;
beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => server.stop());

it('runs the README example: cache-manager 7 over Keyv over rxmemcache', async () => {
  const address = server.spec;
  // --- README example starts ---
  const cache = createCache({
    stores: [new Keyv({ store: new MemcacheKeyvStore(address), namespace: 'app' })],
    ttl: 60_000, // ms
  });

  await cache.set('user:1', { name: 'Ada' });
  const user = await cache.get<{ name: string }>('user:1'); // { name: 'Ada' }
  const answer = await cache.wrap('answer', async () => 42, 250); // computed once, then cached for 250 ms
  await cache.clear(); // namespace 'app' only
  await cache.disconnect(); // the store created the client, so this closes it
  // --- README example ends ---

  expect(user).toEqual({ name: 'Ada' });
  expect(answer).toBe(42);
  // What the example left in memcached, seen by a client of our own.
  const client = new Client(address);
  const tokens = await client.getMany(['keyv-generation:app']);
  expect(tokens.size).toBe(1);
  await client.close();
});

it('cache-manager reads what another process wrote, and a clear there empties it here', async () => {
  const [one, two] = [new MemcacheKeyvStore(server.spec), new MemcacheKeyvStore(server.spec)];
  const here = createCache({ stores: [new Keyv({ store: one, namespace: 'shared' })] });
  const there = createCache({ stores: [new Keyv({ store: two, namespace: 'shared' })] });
  await there.set('k', 'v', 60_000);
  expect(await here.get('k')).toBe('v');
  expect(await here.wrap('k', async () => 'recomputed')).toBe('v');
  await there.clear();
  expect(await here.get('k')).toBeUndefined();
  expect(await here.wrap('k', async () => 'recomputed')).toBe('recomputed');
  await Promise.all([here.disconnect(), there.disconnect()]);
});
