import { expect } from 'vitest';
import { MAX_BINARY_KEY_LENGTH, MemcacheIllegalInputError, serde } from '../../src/index.js';
import { contract, eachServer } from './contract.js';

// The meta commands (memcached ≥ 1.6) with typed options and results, on every client over real
// memcached 1.6.18. Server facts checked with raw sockets first (see the closing note of issue 11).
const reply = { noreply: false } as const;

contract('meta commands', (t) => {
  t.it('metaGet returns the value and whatever else was asked, in one round trip; a miss is a miss', async () => {
    const k = t.fresh();
    await t.client.set(k, 'hello', { expire: 100, ...reply });
    const hit = await t.client.metaGet(k, { cas: true, ttl: true, size: true, hitBefore: true, lastAccess: true });
    expect(hit).toMatchObject({ key: k, hit: true, value: 'hello', clientFlags: 16, size: 5, hitBefore: false, won: false, stale: false, alreadyWon: false });
    expect(hit.cas).toMatch(/^\d+$/);
    expect(hit.ttl).toBeGreaterThan(90);
    expect(hit.lastAccess).toBeGreaterThanOrEqual(0);
    expect((await t.client.metaGet(k, { hitBefore: true })).hitBefore).toBe(true);
    expect((await t.client.gets(k)).cas).toBe(hit.cas);
    expect(await t.client.metaGet(t.fresh())).toEqual(expect.objectContaining({ hit: false, won: false }));
    expect((await t.client.metaGet(k, { value: false, ttl: true })).value).toBeUndefined();
  });

  t.it('metaGet touch resets the expiry in the same round trip; a key that never expires has ttl null', async () => {
    const k = t.fresh();
    await t.client.set(k, 'v', reply);
    expect((await t.client.metaGet(k, { ttl: true })).ttl).toBeNull();
    const touched = await t.client.metaGet(k, { touch: 500, ttl: true });
    expect(touched.value).toBe('v');
    expect((await t.client.metaGet(k, { ttl: true })).ttl).toBeGreaterThan(490);
  });

  t.it('vivify: on a miss exactly one caller wins the right to fill the key, the next ones see it taken', async () => {
    const k = t.fresh();
    const first = await t.client.metaGet(k, { vivify: 30 });
    expect(first).toMatchObject({ hit: false, won: true, alreadyWon: false });
    expect(first.value).toBeUndefined();
    expect(await t.client.metaGet(k, { vivify: 30 })).toMatchObject({ hit: false, won: false, alreadyWon: true });
    expect((await t.client.metaSet(k, 'filled', { expire: 60 })).stored).toBe(true);
    expect(await t.client.metaGet(k, { vivify: 30 })).toMatchObject({ hit: true, value: 'filled', won: false, alreadyWon: false });
  });

  t.it('metaDelete invalidate marks the item stale: the next reader wins and still gets the old value', async () => {
    const k = t.fresh();
    await t.client.set(k, 'old', { expire: 100, ...reply });
    expect(await t.client.metaDelete(k, { invalidate: true, expire: 30 })).toEqual({ status: 'deleted', deleted: true });
    expect(await t.client.metaGet(k)).toMatchObject({ hit: true, value: 'old', stale: true, won: true });
    expect(await t.client.metaGet(k)).toMatchObject({ value: 'old', stale: true, won: false, alreadyWon: true });
    expect(await t.client.metaDelete(t.fresh())).toEqual({ status: 'not-found', deleted: false });
  });

  t.it('metaSet modes and cas say exactly what happened', async () => {
    const k = t.fresh();
    expect(await t.client.metaSet(k, 'a', { mode: 'replace' })).toEqual({ status: 'not-stored', stored: false });
    const added = await t.client.metaSet(k, 'a', { mode: 'add', returnCas: true });
    expect(added.stored).toBe(true);
    expect(added.cas).toMatch(/^\d+$/);
    expect((await t.client.metaSet(k, 'again', { mode: 'add' })).status).toBe('not-stored');
    expect((await t.client.metaSet(k, 'b', { mode: 'append' })).stored).toBe(true);
    expect((await t.client.metaSet(k, '<', { mode: 'prepend' })).stored).toBe(true);
    expect(await t.client.get(k)).toBe('<ab');
    expect((await t.client.metaSet(k, 'x', { cas: added.cas ?? '' })).status).toBe('exists');
    const now = await t.client.metaGet(k, { cas: true });
    expect((await t.client.metaSet(k, 'y', { cas: now.cas ?? '', expire: 50 })).status).toBe('stored');
    expect((await t.client.metaSet(t.fresh(), 'z', { cas: '1' })).status).toBe('not-found');
    expect(await t.client.get(k)).toBe('y');
  });

  t.it('metaArithmetic counts in one round trip, creating a missing counter with vivify', async () => {
    const k = t.fresh();
    expect(await t.client.metaArithmetic(k)).toEqual({ status: 'not-found' });
    expect(await t.client.metaArithmetic(k, { vivify: 60, initial: 10 })).toEqual({ status: 'ok', value: 10n });
    expect(await t.client.metaArithmetic(k, { delta: 5n })).toEqual({ status: 'ok', value: 15n });
    const down = await t.client.metaArithmetic(k, { mode: 'decr', delta: 100, ttl: true, returnCas: true });
    expect(down).toMatchObject({ status: 'ok', value: 0n });
    expect(down.ttl).toBeGreaterThan(50);
    expect(down.cas).toMatch(/^\d+$/);
    expect(await t.client.incr(k, 1)).toBe(1n);
  });

  t.it('binary keys: any bytes up to the limit are a key, distinct from each other, refused beyond it', async () => {
    const base = Buffer.from(t.fresh()).subarray(-40); // the tail is what makes it unique
    const keys = [Uint8Array.of(0, 1, 2, 32, 10, 13), Uint8Array.from({ length: 256 }, (_, i) => i).subarray(0, 120), Buffer.from('ключ ☃', 'utf8')].map(
      (k) => Buffer.concat([base, Buffer.from(k)]),
    );
    for (const [i, key] of keys.entries()) expect((await t.client.metaSet(key, `value ${i}`)).stored).toBe(true);
    for (const [i, key] of keys.entries()) expect((await t.client.metaGet(key)).value).toBe(`value ${i}`);
    const longest = Buffer.alloc(MAX_BINARY_KEY_LENGTH, 0xff);
    expect((await t.client.metaSet(longest, 'edge')).stored).toBe(true);
    expect((await t.client.metaGet(longest)).value).toBe('edge');
    const error = await t.client.metaGet(Buffer.alloc(MAX_BINARY_KEY_LENGTH + 1, 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemcacheIllegalInputError);
    expect(await t.client.get(keys[0] as Buffer).catch((e: unknown) => e)).toBeInstanceOf(MemcacheIllegalInputError); // text rules refuse it
  });

  t.it('meta and text commands reach the same items, with the same serde', async () => {
    const json = t.make({ serde: serde.json() });
    const k = t.fresh();
    await json.set(k, { a: [1, 2] }, reply);
    expect((await json.metaGet(k)).value).toEqual({ a: [1, 2] });
    await json.metaSet(k, { b: true });
    expect(await json.get(k)).toEqual({ b: true });
    for (const [, answered] of eachServer(t, await t.client.metaNoop())) expect(answered).toBe(true);
  });

  t.it('quiet meta commands: thousands pipelined, only failures and hits answered, every result exact', async () => {
    const keys = Array.from({ length: 2000 }, () => t.fresh());
    const present = new Set(keys.filter((_, i) => i % 3 === 0));
    await t.client.setMany([...present].map((k) => [k, `v:${k}`] as const), reply);
    // add succeeds where the key is absent and is refused (NS comes back) where it is present
    const adds = await Promise.all(keys.map((k) => t.client.metaSet(k, 'added', { mode: 'add', quiet: true })));
    expect(adds.map((r) => r.stored)).toEqual(keys.map((k) => !present.has(k)));
    const reads = await Promise.all(keys.map((k, i) => t.client.metaGet(i % 2 === 0 ? k : t.fresh(), { quiet: true })));
    expect(reads.map((r) => r.hit)).toEqual(keys.map((_, i) => i % 2 === 0));
    expect(reads.filter((_, i) => i % 2 === 0).map((r) => r.value)).toEqual(keys.filter((_, i) => i % 2 === 0).map((k) => (present.has(k) ? `v:${k}` : 'added')));
    const deletes = await Promise.all(keys.map((k, i) => t.client.metaDelete(i % 4 === 0 ? t.fresh() : k, { quiet: true })));
    expect(deletes.map((r) => r.deleted)).toEqual(keys.map((_, i) => i % 4 !== 0));
    expect(await t.client.getMany(keys.filter((_, i) => i % 4 !== 0))).toEqual(new Map());
  });

  t.it('a quiet write is the truth at once for the next reader, on another client too', async () => {
    const other = t.make();
    for (let i = 0; i < 50; i++) {
      const k = t.fresh();
      expect((await t.client.metaSet(k, `n${i}`, { quiet: true })).stored).toBe(true);
      expect(await other.get(k)).toBe(`n${i}`);
    }
  });
});

