import Keyv from 'keyv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, MemcacheClosedError, MemcacheConnectionError, MemcacheError, MemcacheIllegalInputError } from '../../src/index.js';
import { MemcacheKeyvStore } from '../../src/keyv/index.js';
import { freePort, startMemcached, type MemcachedServer } from '../support/memcached.js';

describe('errors: emitted as Keyv expects, then a no-op result (or a rejection with throwOnErrors)', () => {
  let unreachable: string;
  beforeAll(async () => {
    unreachable = `127.0.0.1:${await freePort()}`; // nothing listens there: connections are refused
  });

  it('a server down: every call resolves as a miss or false, and each failure reaches keyv.on("error")', async () => {
    const client = new Client(unreachable, { connectTimeout: 500, timeout: 500 });
    const keyv = new Keyv({ store: new MemcacheKeyvStore(client) });
    const errors: unknown[] = [];
    keyv.on('error', (e: unknown) => errors.push(e));
    expect(await keyv.get('k')).toBeUndefined();
    expect(await keyv.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    expect(await keyv.has('k')).toBe(false);
    expect(await keyv.set('k', 'v')).toBe(false);
    await keyv.setMany([{ key: 'a', value: 1 }]); // Keyv 5 resolves setMany with what the store returns: nothing
    expect(await keyv.delete('k')).toBe(false);
    expect(await keyv.deleteMany(['a', 'b'])).toBe(false);
    await keyv.clear();
    expect(errors).toHaveLength(8);
    for (const error of errors) expect(error).toBeInstanceOf(MemcacheConnectionError);
    await client.close();
  });

  it('with throwOnErrors the store rejects with the typed error (and still emits it)', async () => {
    const client = new Client(unreachable, { connectTimeout: 500, timeout: 500 });
    const store = new MemcacheKeyvStore(client, { throwOnErrors: true });
    const errors: unknown[] = [];
    store.on('error', (e: unknown) => errors.push(e));
    await expect(store.get('k')).rejects.toBeInstanceOf(MemcacheConnectionError);
    await expect(store.clear()).rejects.toBeInstanceOf(MemcacheConnectionError);
    expect(errors).toHaveLength(2);
    await client.close();
  });

  it('with no listener a failure neither throws nor rejects', async () => {
    const client = new Client(unreachable, { connectTimeout: 500, timeout: 500 });
    const store = new MemcacheKeyvStore(client);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.set('k', 'v')).toBe(false);
    await client.close();
  });
});

describe('errors and ownership on a live server', () => {
  let server: MemcachedServer;
  let other: MemcachedServer;
  beforeAll(async () => {
    [server, other] = await Promise.all([startMemcached(), startMemcached()]);
  });
  afterAll(async () => {
    await Promise.all([server.stop(), other.stop()]);
  });

  it('a value over the item size fails before any byte is sent; the store goes on', async () => {
    const client = new Client(server.spec);
    const keyv = new Keyv({ store: new MemcacheKeyvStore(client) });
    const errors: unknown[] = [];
    keyv.on('error', (e: unknown) => errors.push(e));
    expect(await keyv.set('big', 'x'.repeat(2 * 1024 * 1024))).toBe(false);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MemcacheIllegalInputError);
    expect(await keyv.set('small', 'x')).toBe(true);
    expect(await keyv.get('small')).toBe('x');
    await client.close();
  });

  it('a store given a client leaves it open on disconnect()', async () => {
    const client = new Client(server.spec);
    const keyv = new Keyv({ store: new MemcacheKeyvStore(client) });
    await keyv.set('k', 'v');
    await keyv.disconnect();
    expect(await client.set('still', 'open', { noreply: false })).toBe(true);
    await client.close();
  });

  it('a store given addresses creates its client (Client for one, HashClient for a list) and closes it on disconnect()', async () => {
    const single = new MemcacheKeyvStore(server.spec);
    const cluster = new MemcacheKeyvStore([server.spec, other.spec]);
    expect(single.client).toBeInstanceOf(Client);
    expect(cluster.client).toBeInstanceOf(HashClient);
    for (const store of [single, cluster]) {
      const keyv = new Keyv({ store });
      await keyv.set('k', 'v');
      expect(await keyv.get('k')).toBe('v');
      await keyv.disconnect();
      const closed = await store.client.get('k').then(() => undefined, (e: unknown) => e);
      expect(closed).toBeInstanceOf(MemcacheClosedError);
      expect(closed).toBeInstanceOf(MemcacheError);
    }
  });
});
