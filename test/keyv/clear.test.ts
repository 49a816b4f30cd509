import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, type MemcacheClient } from '../../src/index.js';
import { MemcacheKeyvStore } from '../../src/keyv/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// clear() renews the namespace's generation token; other processes see it on their next command.
// "Two processes" are two clients with their own connections and their own stores (own token caches).
const targets: Array<[string, number]> = [['Client', 1], ['HashClient of 3 servers', 3]];

describe.each(targets)('clear() on a %s', (_name, count) => {
  let servers: MemcachedServer[] = [];
  const clients: Array<MemcacheClient<unknown>> = [];
  const connect = (): MemcacheClient<unknown> => {
    const specs = servers.map((s) => s.spec);
    const client = count === 1 ? new Client(specs[0] as string) : new HashClient(specs);
    clients.push(client);
    return client;
  };
  /** A Keyv over its own client and store, as another process would have. */
  const processWith = (namespace: string | undefined): Keyv => {
    const keyv = new Keyv({ store: new MemcacheKeyvStore(connect()) });
    keyv.namespace = namespace; // undefined: Keyv without a namespace (its constructor defaults to 'keyv')
    return keyv;
  };
  beforeAll(async () => {
    servers = await Promise.all(Array.from({ length: count }, () => startMemcached()));
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('clears its namespace and touches nothing else: other namespaces, no namespace, foreign keys, no flush', async () => {
    const [a, b, none] = [processWith('a'), processWith('b'), processWith(undefined)];
    const raw = connect();
    await Promise.all([a.set('k', 'a'), b.set('k', 'b'), none.set('k', 'none'), raw.set('foreign', 'x', { noreply: false })]);
    const itemsBefore = await totalItems(raw);
    await a.clear();
    expect(await a.get('k')).toBeUndefined();
    expect([await b.get('k'), await none.get('k'), await raw.get('foreign')]).toEqual(['b', 'none', 'x']);
    expect(await totalItems(raw)).toBe(itemsBefore); // nothing deleted: old values just became unreachable
    expect(await flushes(raw)).toBe(0);
    await none.clear(); // no namespace is a namespace of its own
    expect([await none.get('k'), await b.get('k')]).toEqual([undefined, 'b']);
  });

  it("another process's clear is seen on the next read, and a write with a stale token lands under the new one", async () => {
    const [p1, p2] = [processWith('shared'), processWith('shared')];
    await p1.set('k', '1');
    expect(await p2.get('k')).toBe('1'); // p2 now knows the token
    await p1.clear();
    expect(await p2.get('k')).toBeUndefined();
    await p1.clear(); // p2's token is stale again
    await p2.set('late', '2');
    expect(await p1.get('late')).toBe('2');
    await p1.clear();
    await p1.set('d', 'x');
    expect(await p2.delete('d')).toBe(true); // deleted under the token now in force
    expect(await p1.get('d')).toBeUndefined();
    await p1.clear();
    await p1.setMany([{ key: 'm1', value: 1 }, { key: 'm2', value: 2 }]);
    expect(await p2.getMany(['m1', 'm2'])).toEqual([1, 2]);
  });

  it('concurrent clear and set from two processes: writes after a clear survive, writes before it do not, both agree', async () => {
    const [writer, clearer] = [processWith('race'), processWith('race')];
    for (let i = 0; i < 40; i++) {
      const key = `k${i}`;
      await writer.set(key, 'before');
      await clearer.clear();
      expect(await writer.get(key)).toBeUndefined();
      await clearer.clear(); // the writer's token is stale when it writes next
      await writer.set(key, 'after');
      expect([await clearer.get(key), await writer.get(key)]).toEqual(['after', 'after']);
      // Truly concurrent: either outcome is right, as long as both processes see the same one.
      await Promise.all([writer.set(`c${i}`, 'v'), clearer.clear()]);
      const seen = [await writer.get(`c${i}`), await clearer.get(`c${i}`)];
      expect(seen[0]).toBe(seen[1]);
    }
  });

  it('a token lost to eviction or flush_all brings no old value back; the store carries on', async () => {
    const keyv = processWith('evicted');
    const raw = connect();
    await keyv.set('old', 'v1');
    await keyv.clear();
    await raw.delete('keyv-generation:evicted', { noreply: false }); // as LRU eviction would
    expect(await keyv.get('old')).toBeUndefined();
    await keyv.set('new', 'v2');
    expect(await keyv.get('new')).toBe('v2');
    await raw.set('keyv-generation:evicted', 'garbage!', { noreply: false }); // someone else's bytes
    expect(await keyv.get('new')).toBeUndefined();
    await keyv.set('again', 'v3');
    expect(await keyv.get('again')).toBe('v3');
    await raw.flushAll(0, { noreply: false });
    expect(await keyv.get('again')).toBeUndefined();
    await keyv.set('after-flush', 'v4');
    expect(await processWith('evicted').get('after-flush')).toBe('v4');
  });
});

async function totalItems(client: MemcacheClient<unknown>): Promise<number> {
  return [...(await client.stats()).values()].reduce((sum, s) => sum + Number(s['curr_items']), 0);
}

async function flushes(client: MemcacheClient<unknown>): Promise<number> {
  return [...(await client.stats()).values()].reduce((sum, s) => sum + Number(s['cmd_flush']), 0);
}
