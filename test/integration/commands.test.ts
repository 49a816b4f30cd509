import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  MemcacheClientError,
  MemcacheIllegalInputError,
  MemcacheServerError,
  MemcacheUnknownCommandError,
} from '../../src/index.js';
import { expectStoreReplies } from '../support/command-checks.js';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

// Every command against a real memcached, with replies on (noreply: false) unless the test is about noreply.
let server: MemcachedServer;
let client: Client;
let n = 0;
const fresh = (): string => `cmd-${++n}-${Date.now()}`;
const reply = { noreply: false } as const;

beforeAll(async () => {
  server = await startMemcached({ enableShutdown: false });
  // A larger client-side limit than the server's, so these tests reach the server's own size check.
  client = new Client(server.spec, { timeout: 3000, maxValueSize: 8 * 1024 * 1024 });
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

describe('storage commands', () => {
  it('set/get round-trips text and bytes exactly', async () => {
    const [k1, k2, k3] = [fresh(), fresh(), fresh()];
    const binary = Buffer.from([0, 13, 10, 255, 13, 10, 0x45, 0x4e, 0x44, 13, 10]);
    expect(await client.set(k1, 'héllo wörld ☃', reply)).toBe(true);
    expect(await client.set(k2, binary, reply)).toBe(true);
    expect(await client.set(k3, '', reply)).toBe(true);
    expect(await client.get(k1)).toBe('héllo wörld ☃');
    expect(Buffer.compare(Buffer.from((await client.get(k2)) as Uint8Array), binary)).toBe(0);
    expect(await client.get(k3)).toBe('');
  });


  it('values kept by the caller stay intact while later replies reuse the socket read buffer', async () => {
    // Small values (copied out of the read buffer) and 200 KB ones (read across several reads).
    const keys = Array.from({ length: 40 }, () => fresh());
    const data = keys.map((_, i) => randomBytes(i % 4 === 0 ? 200_000 : 1 + i * 7));
    await Promise.all(keys.map((k, i) => client.set(k, data[i] as Buffer, reply)));
    const kept = await Promise.all(keys.map((k) => client.get(k)));
    const many = await client.getMany(keys);
    // Hundreds of later replies through the same read buffer.
    for (let round = 0; round < 5; round++) await Promise.all(keys.map((k) => client.get(k)));
    kept.forEach((value, i) => expect(Buffer.compare(value as Uint8Array, data[i] as Buffer)).toBe(0));
    keys.forEach((k, i) => expect(Buffer.compare(many.get(k) as Uint8Array, data[i] as Buffer)).toBe(0));
  });
  it('get returns undefined or the given default on a miss', async () => {
    expect(await client.get(fresh())).toBeUndefined();
    expect(await client.get(fresh(), 'fallback')).toBe('fallback');
  });

  it('add, replace, append, prepend report stored or not', async () => {
    const k = fresh();
    await expectStoreReplies(client, k);
    expect(await client.get(k)).toBe('new');
  });

  it('noreply stores resolve true without waiting and the data lands', async () => {
    const k = fresh();
    expect(await client.set(k, 'quiet')).toBe(true);
    expect(await client.add(k, 'ignored')).toBe(true); // noreply: the server's NOT_STORED is never read
    expect(await client.get(k)).toBe('quiet');
  });

  it('flags option overrides the serde flags and round-trips', async () => {
    const k = fresh();
    await client.set(k, Buffer.from('raw'), { ...reply, flags: 4242 });
    const line = await rawExchange(server.port, '127.0.0.1', `get ${k}\r\n`, 'END\r\n');
    expect(line.startsWith(`VALUE ${k} 4242 3\r\n`)).toBe(true);
  });

  it('expire makes the item disappear', async () => {
    const k = fresh();
    await client.set(k, 'soon', { ...reply, expire: -1 });
    expect(await client.get(k)).toBeUndefined();
  });

  it('setMany stores all and reports the keys that failed', async () => {
    const [a, b, c] = [fresh(), fresh(), fresh()];
    const big = Buffer.alloc(2 * 1024 * 1024, 7);
    expect(await client.setMany([[a, '1'], [b, big], [c, '3']], reply)).toEqual([b]);
    expect(await client.getMany([a, b, c])).toEqual(new Map([[a, '1'], [c, '3']]));
    expect(await client.setMany(new Map([[fresh(), 'x']]))).toEqual([]);
    expect(await client.setMany([])).toEqual([]);
  });
});

describe('retrieval commands', () => {
  it('getMany returns hits only, keyed by the caller keys, across split lines', async () => {
    const keys = Array.from({ length: 250 }, () => fresh());
    await client.setMany(keys.filter((_, i) => i % 2 === 0).map((k) => [k, `v:${k}`] as const), reply);
    const hits = await client.getMany(keys);
    expect(hits.size).toBe(125);
    for (const [k, v] of hits) expect(v).toBe(`v:${k}`);
    expect(await client.getMany([])).toEqual(new Map());
  });

  it('gets/cas: stored, exists, not found; tokens are digit strings', async () => {
    const k = fresh();
    await client.set(k, 'v1', reply);
    const first = await client.gets(k);
    expect(first.value).toBe('v1');
    expect(first.cas).toMatch(/^[0-9]+$/);
    const token = first.cas as string;
    expect(await client.cas(k, 'v2', token)).toBe(true);
    expect(await client.cas(k, 'v3', token)).toBe(false);
    expect(await client.get(k)).toBe('v2');
    expect(await client.cas(fresh(), 'x', token)).toBeNull();
    expect(await client.gets(fresh(), 'd', 'c')).toEqual({ value: 'd', cas: 'c' });
  });

  it('getsMany returns values with tokens', async () => {
    const [a, b] = [fresh(), fresh()];
    await client.set(a, 'A', reply);
    const result = await client.getsMany([a, b]);
    expect([...result.keys()]).toEqual([a]);
    expect(result.get(a)?.value).toBe('A');
    expect(result.get(a)?.cas).toMatch(/^[0-9]+$/);
  });

  it('gat and gats fetch and touch', async () => {
    const k = fresh();
    await client.set(k, 'g', { ...reply, expire: 1000 });
    expect(await client.gat(k, 5000)).toBe('g');
    expect((await client.gats(k, 5000)).value).toBe('g');
    expect(await client.gat(fresh(), 10, 'none')).toBe('none');
    const meta = only(await client.rawCommand(`mg ${k} t`));
    const ttl = Number(/t(-?\d+)/.exec(meta.toString('latin1'))?.[1]);
    expect(ttl).toBeGreaterThan(1000);
  });
});

describe('other commands', () => {
  it('delete and deleteMany', async () => {
    const [a, b] = [fresh(), fresh()];
    await client.setMany([[a, '1'], [b, '2']], reply);
    expect(await client.delete(a, reply)).toBe(true);
    expect(await client.delete(a, reply)).toBe(false);
    expect(await client.deleteMany([b, fresh()], reply)).toBe(true);
    expect(await client.get(b)).toBeUndefined();
    expect(await client.deleteMany([])).toBe(true);
  });

  it('incr/decr are exact over 64 bits, wrap at 2^64, clamp at 0, null when missing', async () => {
    const k = fresh();
    await client.set(k, '18446744073709551614', reply);
    expect(await client.incr(k, 1)).toBe(18446744073709551615n);
    expect(await client.incr(k, 1)).toBe(0n);
    expect(await client.incr(k, 9007199254740993n)).toBe(9007199254740993n);
    expect(await client.decr(k, 9007199254740999n)).toBe(0n);
    expect(await client.incr(fresh(), 1)).toBeNull();
    expect(await client.incr(k, 5, { noreply: true })).toBeNull();
    const text = fresh();
    await client.set(text, 'abc', reply);
    await expect(client.incr(text, 1)).rejects.toBeInstanceOf(MemcacheClientError);
    await expect(client.incr(k, -1)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
  });

  it('touch reports whether the key exists', async () => {
    const k = fresh();
    await client.set(k, 't', reply);
    expect(await client.touch(k, 100, reply)).toBe(true);
    expect(await client.touch(fresh(), 100, reply)).toBe(false);
  });

  it('stats, with sub-commands, values converted', async () => {
    const general = only(await client.stats());
    expect(general['pid']).toBe(server.pid);
    expect(typeof general['version']).toBe('string');
    expect(typeof general['rusage_user']).toBe('number');
    const settings = only(await client.stats('settings'));
    expect(settings['cas_enabled']).toBe(true);
    expect(typeof settings['growth_factor']).toBe('number');
    const slabs = only(await client.stats('slabs'));
    expect(typeof slabs['active_slabs']).toBe('number');
    const items = only(await client.stats('items'));
    expect(Object.keys(items).some((k) => k.startsWith('items:'))).toBe(true);
  });

  it('version, cacheMemlimit, rawCommand', async () => {
    expect(only(await client.version())).toMatch(/^1\.6\./);
    expect(only(await client.cacheMemlimit(64))).toBe(true);
    const k = fresh();
    await client.set(k, 'raw\r\nvalue', reply);
    const rawGet = only(await client.rawCommand(`get ${k}`, { endTokens: 'END\r\n' }));
    expect(rawGet.toString('latin1')).toBe(`VALUE ${k} 16 10\r\nraw\r\nvalue\r\n`);
    expect(only(await client.rawCommand(`mg ${k} v`)).toString('latin1')).toBe('VA 10\r\nraw\r\nvalue');
    await expect(client.rawCommand('definitely_not_a_command')).rejects.toBeInstanceOf(MemcacheUnknownCommandError);
  });

  it('flushAll empties the cache', async () => {
    const other = await startMemcached();
    const c = new Client(other.spec);
    try {
      await c.set('x', 'y', reply);
      expect(only(await c.flushAll(0, reply))).toBe(true);
      expect(await c.get('x')).toBeUndefined();
      expect(only(await c.flushAll())).toBe(true);
    } finally {
      await c.close();
      await other.stop();
    }
  });
});

describe('values at the edges', () => {
  it('stores a value just under the item size limit and rejects one over it', async () => {
    const k = fresh();
    const nearLimit = randomBytes(1024 * 1024 - 512);
    expect(await client.set(k, nearLimit, reply)).toBe(true);
    const back = (await client.get(k)) as Uint8Array;
    expect(Buffer.compare(Buffer.from(back), nearLimit)).toBe(0);
    const over = Buffer.alloc(1024 * 1024 + 1);
    await expect(client.set(fresh(), over, reply)).rejects.toBeInstanceOf(MemcacheServerError);
    expect(await client.get(k, 'miss')).not.toBe('miss'); // the connection stayed usable
  });

  it('the client-side maxValueSize refuses oversized values before sending, noreply too, keeping what is stored', async () => {
    const strict = new Client(server.spec);
    try {
      const k = fresh();
      await strict.set(k, 'precious', reply);
      const over = Buffer.alloc(1024 * 1024 + 1);
      await expect(strict.set(k, over, reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      await expect(strict.set(k, over)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      await expect(strict.setMany([[fresh(), 'ok'], [k, over]])).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      expect(await strict.get(k)).toBe('precious'); // memcached would have dropped it on an oversized set
      // Exactly 1 MiB is over memcached's limit once the key and item overhead count (item-size.test.ts).
      await expect(strict.set(k, Buffer.alloc(1024 * 1024))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
      expect(await strict.get(k)).toBe('precious');
    } finally {
      await strict.close();
    }
  });

  it('random binary values of many sizes round-trip byte-exact while pipelined', async () => {
    const entries = Array.from({ length: 200 }, (_, i) => [fresh(), randomBytes((i * 7919) % 70_000)] as const);
    await Promise.all(entries.map(([k, v]) => client.set(k, v, reply)));
    const back = await Promise.all(entries.map(([k]) => client.get(k)));
    back.forEach((v, i) => expect(Buffer.compare(Buffer.from(v as Uint8Array), entries[i]?.[1] as Buffer)).toBe(0));
  });
});
