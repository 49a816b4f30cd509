import { filter, firstValueFrom, lastValueFrom, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheServerError } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// memcached 1.6.18 with -I 1m and a client whose maxValueSize is above it: a noreply set of a value
// over the server's limit goes as a quiet `ms … q` and gets `SERVER_ERROR object too large for cache`,
// a line with no opaque, in the middle of a run of quiet writes. The queue attributes it by position
// and size: only that set fails, everything else in flight settles with its own result, and the
// connection stays.
const MiB = 1024 * 1024;
let server: MemcachedServer;
let n = 0;
const tag = (): string => `qe-${++n}-${Date.now()}`;

beforeAll(async () => {
  server = await startMemcached({ maxItemSize: '1m' });
});
afterAll(async () => {
  await server?.stop();
});

/** Subscribes now (a command is cold: awaiting it later would send it later, on its own). */
const now = <T>(command: Observable<T>): Promise<T> => lastValueFrom(command);

/** A client on `server`, ready on the meta protocol, and the connections it has lost or opened since. */
async function metaClient(options: { readonly protocol?: 'meta' }): Promise<{ client: Client; downs: string[]; ups: () => number }> {
  const client = new Client(server.spec, { maxValueSize: 2 * MiB, timeout: 10_000, ...options });
  const downs: string[] = [];
  let ups = 0;
  client.events$.subscribe((e) => {
    if (e.type === 'down' && e.server === client.server) downs.push(e.error ?? '');
    if (e.type === 'up' && e.server === client.server) ups++;
  });
  // 'auto' holds or sends text until its probe answers: the burst must go once it has.
  const found = options.protocol === 'meta' ? undefined : firstValueFrom(client.events$.pipe(filter((e) => e.type === 'protocol')));
  await client.set(`${tag()}-warm`, 'w', { noreply: false });
  if (found !== undefined) expect(await found).toMatchObject({ protocol: 'meta' });
  return { client, downs, ups: () => ups };
}

describe.each([
  ["protocol: 'meta'", { protocol: 'meta' }],
  ["the default protocol ('auto')", {}],
] as const)('%s: an over-size quiet set among many quiet sets and gets', (_name, options) => {
  it('only that set fails; the other sets are stored, the gets read their values, the connection stays', async () => {
    const { client, downs, ups } = await metaClient(options);
    try {
      const t = tag();
      const seeded = Array.from({ length: 50 }, (_, i) => [`${t}-seed-${i}`, `seed ${i}`.repeat(1 + (i % 9))] as const);
      await client.setMany(seeded, { noreply: false });
      await client.set(`${t}-big`, 'old', { noreply: false });
      const upsBefore = ups();
      // One burst: small quiet sets, reads of seeded keys (mg, answered) and the over-size set mid-way.
      const sets = Array.from({ length: 300 }, (_, i) => now(client.set(`${t}-small-${i}`, `v${i}`.repeat(1 + (i % 50)))));
      const reads = seeded.map(([key]) => now(client.get(key)));
      const big = now(client.set(`${t}-big`, Buffer.alloc(MiB + 1000))).catch((e: unknown) => e);
      const more = Array.from({ length: 300 }, (_, i) => now(client.set(`${t}-after-${i}`, `w${i}`)));

      const refused = await big;
      expect(refused).toBeInstanceOf(MemcacheServerError);
      expect((refused as Error).message).toBe('object too large for cache');
      expect(await Promise.all([...sets, ...more])).toEqual(Array.from({ length: 600 }, () => true));
      expect(await Promise.all(reads)).toEqual(seeded.map(([, value]) => value));
      // memcached deletes the old value of a key whose set it refuses as too large.
      expect(await client.get(`${t}-big`)).toBeUndefined();
      expect(await client.get(`${t}-small-299`)).toBe('v299'.repeat(50));
      expect(await client.get(`${t}-after-0`)).toBe('w0');
      expect(downs).toEqual([]);
      expect(ups()).toBe(upsBefore);
    } finally {
      await client.close();
    }
  });

  it('two over-size sets in one run of quiet sets: both fail, the rest are stored, the connection stays', async () => {
    const { client, downs, ups } = await metaClient(options);
    try {
      const t = tag();
      const upsBefore = ups();
      const small = Array.from({ length: 100 }, (_, i) => now(client.set(`${t}-${i}`, `v${i}`)));
      const bigs = [MiB + 10, MiB + 5000].map((size, i) => now(client.set(`${t}-big-${i}`, Buffer.alloc(size))).catch((e: unknown) => e));
      const tail = Array.from({ length: 100 }, (_, i) => now(client.add(`${t}-${i}`, 'again'))); // quiet adds: NS comes back
      expect(await Promise.all(small)).toEqual(Array.from({ length: 100 }, () => true));
      for (const refused of await Promise.all(bigs)) expect(refused).toBeInstanceOf(MemcacheServerError);
      expect(await Promise.all(tail)).toEqual(Array.from({ length: 100 }, () => false));
      expect(await client.get(`${t}-99`)).toBe('v99');
      expect(downs).toEqual([]);
      expect(ups()).toBe(upsBefore);
    } finally {
      await client.close();
    }
  });
});

describe("protocol: 'meta': setMany as a quiet batch", () => {
  it('an over-size item among many is the one key not stored; a read in flight and the connection are unharmed', async () => {
    const { client, downs, ups } = await metaClient({ protocol: 'meta' });
    try {
      const t = tag();
      await client.set(`${t}-read`, 'r', { noreply: false });
      const upsBefore = ups();
      const items: Array<[string, string | Buffer]> = Array.from({ length: 200 }, (_, i) => [`${t}-${i}`, `v${i}`.repeat(1 + (i % 30))]);
      items.splice(120, 0, [`${t}-big`, Buffer.alloc(MiB + 100)]);
      const read = now(client.get(`${t}-read`));
      expect(await now(client.setMany(items))).toEqual([`${t}-big`]);
      expect(await read).toBe('r');
      expect(await client.getMany([`${t}-0`, `${t}-199`, `${t}-big`])).toEqual(
        new Map([
          [`${t}-0`, 'v0'],
          [`${t}-199`, 'v199'.repeat(20)],
        ]),
      );
      expect(downs).toEqual([]);
      expect(ups()).toBe(upsBefore);
    } finally {
      await client.close();
    }
  });
});

describe("a full cache (-M, no evictions) on protocol: 'meta'", () => {
  let full: MemcachedServer;
  beforeAll(async () => {
    full = await startMemcached({ memoryMb: 2, extraArgs: ['-M'] });
  });
  afterAll(async () => {
    await full?.stop();
  });

  it('quiet sets refused "out of memory storing object" fail; every set that resolves true is stored; the connection stays', async () => {
    const client = new Client(full.spec, { protocol: 'meta', timeout: 10_000 });
    const downs: string[] = [];
    client.events$.subscribe((e) => e.type === 'down' && downs.push(e.error ?? ''));
    try {
      const value = Buffer.alloc(100_000, 0x61);
      // Fill the cache with answered sets until memcached has no memory left for one more (bounded).
      let filled = 0;
      while (filled < 200 && (await now(client.set(`fill-${filled}`, value, { noreply: false })).catch(() => false)) === true) filled++;
      expect(filled).toBeLessThan(200);
      const keys = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
      const outcomes = await Promise.all(keys.map((key, i) => now(client.set(key, i % 2 === 0 ? value : Buffer.from(`small ${i}`))).catch((e: unknown) => e)));
      const failed = outcomes.filter((o) => o !== true);
      expect(failed.length).toBeGreaterThan(0);
      for (const o of failed) expect(o).toBeInstanceOf(MemcacheServerError);
      // Never a success that is false: what resolved true is there (no evictions under -M).
      const stored = keys.filter((_, i) => outcomes[i] === true);
      const read = await client.getMany(stored);
      expect([...read.keys()].sort()).toEqual([...stored].sort());
      expect(downs).toEqual([]);
    } finally {
      await client.close();
    }
  });
});
