import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Client, FallbackClient, MemcacheClusterError, MemcacheConnectionError, MemcacheIllegalInputError, type StatValue } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

// FallbackClient over two real memcached servers, as in a migration: the first is the new cluster,
// the second the old one. Direct clients on each server show where writes landed and what was asked.

let servers: MemcachedServer[] = [];
let clients: Array<{ close(): Promise<void> }> = [];
let newServer: Client;
let oldServer: Client;

beforeEach(async () => {
  servers = await Promise.all([startMemcached(), startMemcached()]);
  newServer = track(new Client(servers[0]?.spec ?? ''));
  oldServer = track(new Client(servers[1]?.spec ?? ''));
});
afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(servers.map((s) => s.stop()));
  clients = [];
  servers = [];
});

function track<C extends { close(): Promise<void> }>(client: C): C {
  clients.push(client);
  return client;
}

/** A FallbackClient over its own clients of the two servers (new first); extra options for the first. */
function migrating(firstOptions: { ignoreExc?: boolean; timeout?: number } = {}): FallbackClient {
  return track(new FallbackClient([new Client(servers[0]?.spec ?? '', firstOptions), new Client(servers[1]?.spec ?? '')]));
}

const reply = { noreply: false } as const;
const counters = ['cmd_get', 'get_hits', 'get_misses', 'cmd_set', 'cmd_touch', 'delete_hits', 'delete_misses', 'incr_hits', 'incr_misses'];

/** The counters above on one server, read through its direct client. */
async function countersOf(client: Client): Promise<Record<string, StatValue | undefined>> {
  const stats = only(await client.stats());
  return Object.fromEntries(counters.map((name) => [name, stats[name]]));
}

describe('FallbackClient reads', () => {
  it('a key only on the second server is found there; a key on both comes from the first', async () => {
    await newServer.set('both', 'new value', reply);
    await oldServer.set('both', 'old value', reply);
    await oldServer.set('old-only', 'kept from the old cluster', reply);
    const cache = migrating();
    expect(await cache.get('both')).toBe('new value');
    expect(await cache.get('old-only')).toBe('kept from the old cluster');
    expect(await cache.get('nowhere')).toBeUndefined();
    expect(await cache.get('nowhere', 'default')).toBe('default');
    expect(await cache.gat('old-only', 60)).toBe('kept from the old cluster');
  });

  it('gets falls back too, with the cas token of the server that had the key', async () => {
    await oldServer.set('old-only', 'v', reply);
    const direct = await oldServer.gets('old-only');
    const cache = migrating();
    expect(await cache.gets('old-only')).toEqual({ value: 'v', cas: direct.cas });
    expect(await cache.gets('nowhere', 'none', 'no-cas')).toEqual({ value: 'none', cas: 'no-cas' });
    expect(await cache.getsMany(['old-only'])).toEqual(new Map([['old-only', { value: 'v', cas: direct.cas }]]));
  });

  it('getMany merges both servers and asks the second only for the keys the first missed', async () => {
    await newServer.setMany([['a', 'new a'], ['b', 'new b']], reply);
    await oldServer.setMany([['b', 'old b'], ['c', 'old c'], ['d', 'old d']], reply);
    const cache = migrating();
    const before = await countersOf(oldServer);
    const hits = await cache.getMany(['a', 'b', 'c', 'd', 'e']);
    expect(hits).toEqual(new Map([['a', 'new a'], ['b', 'new b'], ['c', 'old c'], ['d', 'old d']]));
    const after = await countersOf(oldServer);
    // c, d and e were asked of the old server; a and b never reached it.
    expect(Number(after['cmd_get']) - Number(before['cmd_get'])).toBe(3);
    expect(Number(after['get_hits']) - Number(before['get_hits'])).toBe(2);
    // Every key found on the first: the second is not asked at all.
    expect(await cache.getMany(['a', 'b'])).toEqual(new Map([['a', 'new a'], ['b', 'new b']]));
    expect((await countersOf(oldServer))['cmd_get']).toBe(after['cmd_get']);
  });

  it('stats and version hold both servers, by name', async () => {
    const cache = migrating();
    const versions = await cache.version();
    expect([...versions.keys()]).toEqual(servers.map((s) => s.spec));
    const stats = await cache.stats();
    expect(servers.map((s) => stats.get(s.spec)?.['pid'])).toEqual(servers.map((s) => s.pid));
  });
});

describe('FallbackClient writes', () => {
  it('land on the first server only, each with its own result', async () => {
    await oldServer.set('old-only', '5', reply);
    const cache = migrating();
    const before = await countersOf(oldServer);
    expect(await cache.set('w', 'written', reply)).toBe(true);
    expect(await cache.setMany([['m1', 'x'], ['m2', 'y']], reply)).toEqual([]);
    // The old server holds the key, but a write never falls back: the first's real answers.
    expect(await cache.incr('old-only', 1)).toBeNull();
    expect(await cache.touch('old-only', 60, reply)).toBe(false);
    expect(await cache.delete('old-only', reply)).toBe(false);
    expect(await cache.add('w', 'again', reply)).toBe(false);
    expect(await newServer.getMany(['w', 'm1', 'm2'])).toEqual(new Map([['w', 'written'], ['m1', 'x'], ['m2', 'y']]));
    expect(await oldServer.getMany(['w', 'm1', 'm2'])).toEqual(new Map());
    expect(await oldServer.get('old-only')).toBe('5');
    // The two getMany above are the only traffic the old server saw.
    const after = await countersOf(oldServer);
    expect({ ...after, cmd_get: before['cmd_get'], get_misses: before['get_misses'], get_hits: before['get_hits'] }).toEqual(before);
  });

  it('flushAll empties both servers, so no read falls through to a value flushed away', async () => {
    await newServer.set('k', 'new', reply);
    await oldServer.set('k', 'old', reply);
    const cache = migrating();
    const flushed = await cache.flushAll(0, reply);
    expect([...flushed.keys()].sort()).toEqual([servers[0]?.spec, servers[1]?.spec].sort());
    expect(await newServer.get('k')).toBeUndefined();
    expect(await oldServer.get('k')).toBeUndefined();
    expect(await cache.get('k')).toBeUndefined();
  });
});

describe('FallbackClient with the first server stopped', () => {
  it('reads are answered by the second; writes, and reads nobody could answer, fail with typed errors', async () => {
    await oldServer.setMany([['c', 'old c'], ['d', 'old d']], reply);
    const cache = migrating({ timeout: 5000 });
    await servers[0]?.stop();
    expect(await cache.get('c')).toBe('old c');
    expect(await cache.getMany(['c', 'd'])).toEqual(new Map([['c', 'old c'], ['d', 'old d']]));
    // A miss on the old server proves nothing while the new one, which may hold the key, is down.
    await expect(cache.get('nowhere')).rejects.toBeInstanceOf(MemcacheConnectionError);
    const partly = await cache.getMany(['c', 'nowhere']).catch((error: unknown) => error);
    expect(partly).toBeInstanceOf(MemcacheClusterError);
    expect(partly).toMatchObject({ failedKeys: ['nowhere'], partial: new Map([['c', 'old c']]) });
    await expect(cache.set('w', 'lost', reply)).rejects.toBeInstanceOf(MemcacheConnectionError);
    const stats = await cache.version().catch((error: unknown) => error);
    expect(stats).toBeInstanceOf(MemcacheClusterError);
    expect((stats as MemcacheClusterError).partial).toEqual(new Map([[servers[1]?.spec, expect.any(String)]]));
    expect(await oldServer.get('w')).toBeUndefined();
  });

  it('with ignoreExc on the first client, its failures are misses and the second answers alone', async () => {
    await oldServer.set('c', 'old c', reply);
    const cache = migrating({ ignoreExc: true, timeout: 5000 });
    await servers[0]?.stop();
    expect(await cache.get('nowhere')).toBeUndefined();
    expect(await cache.getMany(['c', 'nowhere'])).toEqual(new Map([['c', 'old c']]));
    await expect(cache.set('w', 'lost', reply)).rejects.toBeInstanceOf(MemcacheConnectionError);
  });
});

describe('FallbackClient construction', () => {
  it('refuses an empty list and clients that do not share the key prefix', () => {
    expect(() => new FallbackClient([])).toThrow(MemcacheIllegalInputError);
    const a = new Client('127.0.0.1:1', { keyPrefix: 'app:' });
    const b = new Client('127.0.0.1:1', { keyPrefix: 'other:' });
    expect(() => new FallbackClient([a, b])).toThrow(MemcacheIllegalInputError);
    const same = new Client('127.0.0.1:1', { keyPrefix: 'app:' });
    expect(new FallbackClient([a, same]).clients).toEqual([a, same]);
  });
});
