import { keyvApiTests, keyvNamespaceTest, keyvValueTests } from '@keyv/test-suite';
import Keyv, { type KeyvStoreAdapter } from 'keyv';
import * as Vitest from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, MockMemcacheClient, PooledClient, RetryingClient, serde, type MemcacheClient } from '../../src/index.js';
import { MemcacheKeyvStore } from '../../src/keyv/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// The official Keyv compliance suites (@keyv/test-suite 2.1.2) against real memcached: api, values and
// namespaces. Not the iterator suite: memcached cannot list a namespace's keys (see README, "Keyv").
// Each suite asks its factory for a fresh store (Keyv sets the store's namespace); the stores share
// one client, which they do not own.
const servers: MemcachedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

function suites(name: string, connect: (specs: string[]) => MemcacheClient<unknown>, serverCount: number): void {
  describe(name, () => {
    let client: MemcacheClient<unknown> | undefined;
    beforeAll(async () => {
      const started = await Promise.all(Array.from({ length: serverCount }, () => startMemcached()));
      servers.push(...started);
      client = connect(started.map((s) => s.spec));
    });
    afterAll(async () => client?.close());
    const store = (): MemcacheKeyvStore => new MemcacheKeyvStore(client as MemcacheClient<unknown>);
    keyvApiTests(Vitest, Keyv, store);
    keyvValueTests(Vitest, Keyv, store);
    keyvNamespaceTest(Vitest, Keyv, store);
  });
}

suites('@keyv/test-suite on a Client', ([spec]) => new Client(spec as string), 1);
suites('@keyv/test-suite on a HashClient of 3 servers', (specs) => new HashClient(specs), 3);
suites('@keyv/test-suite on a PooledClient', ([spec]) => new PooledClient(spec as string, { maxPoolSize: 4 }), 1);
suites('@keyv/test-suite on a RetryingClient', ([spec]) => new RetryingClient(new Client(spec as string)), 1);
suites('@keyv/test-suite on a Client speaking the meta protocol', ([spec]) => new Client(spec as string, { protocol: 'meta' }), 1);
suites('@keyv/test-suite on a Client with the JSON serde', ([spec]) => new Client(spec as string, { serde: serde.json<string>() }), 1);
suites('@keyv/test-suite on a MockMemcacheClient', () => new MockMemcacheClient(), 0);

it('offers no iterator (so Keyv has none): memcached cannot list the keys of a namespace', () => {
  const store = new MemcacheKeyvStore(new MockMemcacheClient());
  expect('iterator' in store).toBe(false);
  expect(new Keyv({ store }).iterator).toBeUndefined();
});

// Keyv's own adapter type takes the store as it is, and so do Keyv's constructor forms (the compiler checks).
export const typed = (client: MemcacheClient<unknown>): KeyvStoreAdapter[] => {
  const store = new MemcacheKeyvStore(client);
  return [store, new Keyv(store).store, new Keyv(store, { namespace: 'n' }).store, new Keyv({ store }).store];
};
