import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { MemcacheIllegalInputError, MemcacheServerError } from '../../src/index.js';
import { expectStoreReplies } from '../support/command-checks.js';
import { contract } from './contract.js';

// Storage commands on every client, with replies on (noreply: false) unless the test is about noreply.
const reply = { noreply: false } as const;
const MiB = 1024 * 1024;

contract('storage commands', (t) => {
  t.it('set/get round-trips text and bytes exactly', async () => {
    const [k1, k2, k3] = [t.fresh(), t.fresh(), t.fresh()];
    const binary = Buffer.from([0, 13, 10, 255, 13, 10, 0x45, 0x4e, 0x44, 13, 10]);
    expect(await t.client.set(k1, 'héllo wörld ☃', reply)).toBe(true);
    expect(await t.client.set(k2, binary, reply)).toBe(true);
    expect(await t.client.set(k3, '', reply)).toBe(true);
    expect(await t.client.get(k1)).toBe('héllo wörld ☃');
    expect(Buffer.compare(Buffer.from((await t.client.get(k2)) as Uint8Array), binary)).toBe(0);
    expect(await t.client.get(k3)).toBe('');
  });

  t.it('add, replace, append, prepend report stored or not', async () => {
    const k = t.fresh();
    await expectStoreReplies(t.client, k);
    expect(await t.client.get(k)).toBe('new');
  });

  t.it('noreply stores resolve true without waiting and the data lands', async () => {
    const k = t.fresh();
    expect(await t.client.set(k, 'quiet')).toBe(true);
    // Text noreply never reads the server's NOT_STORED; meta (and auto, on memcached 1.6.18) sends it quiet, and NOT_STORED comes back.
    expect(await t.client.add(k, 'ignored')).toBe(t.client.codec.options.protocol === 'text');
    expect(await t.client.get(k)).toBe('quiet');
  });

  t.it('defaultNoreply false makes stores report NOT_STORED; true (the default) does not wait', async () => {
    const waits = t.make({ defaultNoreply: false });
    const quiet = t.make();
    const k = t.fresh();
    await waits.set(k, 'first');
    expect(await waits.add(k, 'second')).toBe(false);
    expect(await quiet.add(k, 'third')).toBe(quiet.codec.options.protocol === 'text'); // text noreply reads no answer; meta's quiet add does
    // A noreply add is only sent when it resolves: read on its own connection, so the server has processed
    // it before the other client deletes (across connections, a loaded machine ran the delete first).
    expect(await quiet.get(k)).toBe('first');
    expect(await waits.get(k)).toBe('first');
    expect(await waits.delete(k)).toBe(true);
    expect(await waits.delete(k)).toBe(false);
    expect(await waits.touch(k, 10)).toBe(false);
  });

  t.it('expire makes the item disappear', async () => {
    const k = t.fresh();
    await t.client.set(k, 'soon', { ...reply, expire: -1 });
    expect(await t.client.get(k)).toBeUndefined();
  });

  t.it('a negative expire is allowed and expires the item at once, as memcached documents', async () => {
    const k = t.fresh();
    await t.client.set(k, 'old', reply);
    expect(await t.client.set(k, 'v', { expire: -1, noreply: false })).toBe(true);
    expect(await t.client.get(k)).toBeUndefined();
  });

  t.it('setMany stores all and reports the keys that failed', async () => {
    const [a, b, c] = [t.fresh(), t.fresh(), t.fresh()];
    const big = Buffer.alloc(2 * MiB, 7); // under the client's 8 MiB limit, over the server's 1 MiB
    expect(await t.client.setMany([[a, '1'], [b, big], [c, '3']], reply)).toEqual([b]);
    expect(await t.client.getMany([a, b, c])).toEqual(new Map([[a, '1'], [c, '3']]));
    expect(await t.client.setMany(new Map([[t.fresh(), 'x']]))).toEqual([]);
    expect(await t.client.setMany([])).toEqual([]);
  });

  t.it('a [routingKey, key] pair is stored under its second part', async () => {
    const k = t.fresh();
    const pair = ['group:1', k] as const;
    expect(await t.client.set(pair, 'paired', reply)).toBe(true);
    expect(await t.client.get(pair)).toBe('paired');
    expect(await t.client.getMany([pair])).toEqual(new Map([[pair, 'paired']]));
    expect(await t.peek(k)).toBe(`VALUE ${k} 16 6\r\npaired\r\nEND\r\n`);
  });

  t.it('stores a value just under the item size limit and rejects one over it', async () => {
    const k = t.fresh();
    const nearLimit = randomBytes(MiB - 512);
    expect(await t.client.set(k, nearLimit, reply)).toBe(true);
    const back = (await t.client.get(k)) as Uint8Array;
    expect(Buffer.compare(Buffer.from(back), nearLimit)).toBe(0);
    const over = Buffer.alloc(MiB + 1);
    await expect(t.client.set(t.fresh(), over, reply)).rejects.toBeInstanceOf(MemcacheServerError);
    expect(await t.client.get(k, 'miss')).not.toBe('miss'); // the connection stayed usable
  });

  t.it('append and prepend are checked on the piece sent; a join over the limit is NOT_STORED and keeps the old value', async () => {
    const client = t.make(); // the default maxValueSize, the server's 1 MiB: each piece is under it
    const k = t.fresh();
    const half = 'x'.repeat(600_000);
    await client.set(k, half, reply);
    expect(await client.append(k, half, reply)).toBe(false);
    expect(await client.prepend(k, half, reply)).toBe(false);
    expect(await client.get(k)).toBe(half);
  });

  t.it('the client-side maxValueSize refuses oversized values before sending, noreply too, keeping what is stored', async () => {
    const strict = t.make();
    const k = t.fresh();
    await strict.set(k, 'precious', reply);
    const over = Buffer.alloc(MiB + 1);
    await expect(strict.set(k, over, reply)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(strict.set(k, over)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await expect(strict.setMany([[t.fresh(), 'ok'], [k, over]])).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    expect(await strict.get(k)).toBe('precious'); // memcached would have dropped it on an oversized set
    // Exactly 1 MiB is over memcached's limit once the key and item overhead count (item-size.test.ts).
    await expect(strict.set(k, Buffer.alloc(MiB))).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    expect(await strict.get(k)).toBe('precious');
  });
});
