import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, MemcacheIllegalInputError, MemcacheServerError } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

// The meta flags test/contract/meta.contract.test.ts leaves out, on a real memcached 1.6.18. Server
// facts were checked with raw sockets first: `u` leaves the item unfetched (`h0` after it), `R<n>` wins
// when the TTL left is below n, `ms C<older cas> I` stores and marks the item stale (`C<newer> I` is EX).
let server: MemcachedServer;
let client: Client;
let n = 0;
const fresh = (): string => `mf-${++n}-${Date.now()}`;

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 16 });
  client = new Client(server.spec, { timeout: 5000 });
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

/** The item's cas unique now. */
const casOf = async (key: string): Promise<bigint> => BigInt((await client.metaGet(key, { value: false, cas: true })).cas ?? '-1');

describe('metaGet flags', () => {
  it('noLruBump reads the value without marking the item fetched; a plain read marks it', async () => {
    const k = fresh();
    await client.metaSet(k, 'v');
    expect(await client.metaGet(k, { noLruBump: true })).toMatchObject({ hit: true, value: 'v' });
    expect((await client.metaGet(k, { value: false, hitBefore: true, noLruBump: true })).hitBefore).toBe(false);
    await client.metaGet(k);
    expect((await client.metaGet(k, { value: false, hitBefore: true })).hitBefore).toBe(true);
  });

  it('recache: nobody wins while more TTL is left than asked; below it one caller wins, later ones see it taken', async () => {
    const k = fresh();
    await client.metaSet(k, 'cached', { expire: 100 });
    expect(await client.metaGet(k, { recache: 30 })).toMatchObject({ hit: true, value: 'cached', won: false, alreadyWon: false, stale: false });
    expect(await client.metaGet(k, { recache: 200 })).toMatchObject({ hit: true, value: 'cached', won: true, alreadyWon: false });
    expect(await client.metaGet(k, { recache: 200 })).toMatchObject({ hit: true, value: 'cached', won: false, alreadyWon: true });
    // The winner's store ends the race.
    expect((await client.metaSet(k, 'recomputed', { expire: 100 })).stored).toBe(true);
    expect(await client.metaGet(k, { recache: 30 })).toMatchObject({ value: 'recomputed', won: false, alreadyWon: false });
  });
});

describe('placeholders made by vivify', () => {
  it('read without the value, a placeholder is no hit either, and the result has only the fields asked for', async () => {
    const k = fresh();
    expect(await client.metaGet(k, { value: false, vivify: 30 })).toEqual({ key: k, hit: false, won: true, stale: false, alreadyWon: false });
    expect(await client.metaGet(k, { value: false, vivify: 30 })).toEqual({ key: k, hit: false, won: false, stale: false, alreadyWon: true });
    expect(await client.metaGet(k, { value: false })).toMatchObject({ hit: false, alreadyWon: true });
    expect(await client.metaGet(k)).toMatchObject({ hit: false, alreadyWon: true });
    await client.metaSet(k, 'filled');
    expect(await client.metaGet(k, { value: false })).toEqual({ key: k, hit: true, won: false, stale: false, alreadyWon: false });
    expect(await client.metaGet(k, { value: false, size: true })).toMatchObject({ hit: true, size: 6 });
  });

  it('an empty value stored by the winner is a hit, with or without the value', async () => {
    const k = fresh();
    expect((await client.metaGet(k, { vivify: 30 })).won).toBe(true);
    await client.metaSet(k, '');
    expect(await client.metaGet(k)).toMatchObject({ hit: true, value: '' });
    expect(await client.metaGet(k, { value: false })).toMatchObject({ hit: true });
  });
});

describe('metaSet invalidate', () => {
  it('with an older cas the write is stored but stays stale; a newer cas is refused; the current cas makes it fresh', async () => {
    const k = fresh();
    await client.metaSet(k, 'first');
    await client.metaSet(k, 'current');
    const current = await casOf(k);
    expect(await client.metaSet(k, 'late', { cas: current - 1n, invalidate: true })).toEqual({ status: 'stored', stored: true });
    const stale = await client.metaGet(k, { cas: true });
    expect(stale).toMatchObject({ hit: true, value: 'late', stale: true, won: true });
    expect(await client.metaGet(k)).toMatchObject({ value: 'late', stale: true, won: false, alreadyWon: true });
    const staleCas = BigInt(stale.cas ?? '0');
    expect((await client.metaSet(k, 'ahead', { cas: staleCas + 1000n, invalidate: true })).status).toBe('exists');
    expect((await client.metaSet(k, 'ahead', { cas: staleCas + 1000n })).status).toBe('exists');
    expect((await client.metaSet(k, 'fresh', { cas: staleCas, returnCas: true })).stored).toBe(true);
    expect(await client.metaGet(k)).toMatchObject({ value: 'fresh', stale: false, won: false, alreadyWon: false });
  });

  it('without cas, invalidate changes nothing: the write is stored fresh', async () => {
    const k = fresh();
    expect((await client.metaSet(k, 'v', { invalidate: true })).stored).toBe(true);
    expect(await client.metaGet(k)).toMatchObject({ value: 'v', stale: false, won: false });
  });
});

describe('metaDelete and metaArithmetic with cas', () => {
  it('metaDelete with a cas deletes only the item it names', async () => {
    const k = fresh();
    await client.metaSet(k, 'v');
    const cas = await casOf(k);
    expect(await client.metaDelete(k, { cas: cas + 1n })).toEqual({ status: 'exists', deleted: false });
    expect((await client.metaGet(k)).value).toBe('v');
    expect(await client.metaDelete(k, { cas: String(cas) })).toEqual({ status: 'deleted', deleted: true });
    expect((await client.metaGet(k)).hit).toBe(false);
    expect(await client.metaDelete(k, { cas })).toEqual({ status: 'not-found', deleted: false });
  });

  it('metaArithmetic with a cas applies only over it, returns the new cas, and decr stops at 0', async () => {
    const k = fresh();
    await client.metaSet(k, '10');
    const cas = await casOf(k);
    expect(await client.metaArithmetic(k, { cas: cas + 1n })).toEqual({ status: 'exists' });
    const down = await client.metaArithmetic(k, { cas, mode: 'decr', delta: 3, returnCas: true });
    expect(down).toMatchObject({ status: 'ok', value: 7n });
    expect(BigInt(down.cas ?? '0')).not.toBe(cas);
    expect(await client.metaArithmetic(k, { cas, mode: 'decr' })).toEqual({ status: 'exists' });
    expect(await client.metaArithmetic(k, { cas: down.cas ?? '', mode: 'decr', delta: 1000n })).toEqual({ status: 'ok', value: 0n });
    expect(await client.metaArithmetic(k, { mode: 'decr', delta: 1 })).toEqual({ status: 'ok', value: 0n });
    expect(await client.metaArithmetic(fresh(), { cas: '1', mode: 'decr' })).toEqual({ status: 'not-found' });
  });
});

describe('rawCommand beside meta commands', () => {
  it('an mg sent raw with the opaque tokens the client uses does not confuse the meta commands around it', async () => {
    const keys = [fresh(), fresh(), fresh()];
    for (const [i, k] of keys.entries()) await client.metaSet(k, `v${i}`);
    // The client numbers its opaques 1, 2, 3…: raw requests reuse those very tokens, interleaved.
    const pending: Array<PromiseLike<unknown>> = [];
    for (let round = 0; round < 20; round++) {
      for (const [i, k] of keys.entries()) {
        pending.push(client.rawCommand(`mg ${k} v O${(round * 3 + i + 1).toString(36)}`, { key: k }).then((m) => only(m).toString('latin1')));
        pending.push(client.metaGet(keys[(i + 1) % 3] as string));
      }
    }
    const outcomes = await Promise.all(pending);
    for (let round = 0; round < 20; round++) {
      for (const [i] of keys.entries()) {
        const at = (round * 3 + i) * 2;
        expect(outcomes[at]).toBe(`VA 2 O${(round * 3 + i + 1).toString(36)}\r\nv${i}`);
        expect(outcomes[at + 1]).toMatchObject({ hit: true, value: `v${(i + 1) % 3}` });
      }
    }
  });

  it('a raw line the server may not answer, or that needs a data block, is refused before it is sent', async () => {
    const k = fresh();
    await client.metaSet(k, 'v');
    const lines = [`mg ${fresh()} v q O77`, `md ${fresh()} q`, `ma ${fresh()} q`, `delete ${k} noreply`, `ms ${k} 2`, `set ${k} 0 0 2`];
    const outcomes = await Promise.all([...lines.map((line) => client.rawCommand(line).then((r) => r, (e: unknown) => e)), client.metaGet(k)]);
    for (const outcome of outcomes.slice(0, -1)) expect(outcome).toBeInstanceOf(MemcacheIllegalInputError);
    expect(outcomes.at(-1)).toMatchObject({ hit: true, value: 'v' });
    // A key named q is no flag.
    expect(only(await client.rawCommand('mg q v')).toString('latin1')).toBe('EN');
  });

  it('an ms refused as too large (SERVER_ERROR, data swallowed) fails alone: its neighbours get their own replies on the same connection', async () => {
    const big = new Client(server.spec, { timeout: 10_000, maxValueSize: 4 * 1024 * 1024 });
    try {
      const k = fresh();
      await big.metaSet(k, 'small');
      const connections = async (): Promise<unknown> => only(await big.stats())['total_connections'];
      const before = await connections();
      // Data that reads as meta commands, in case the server took the block for commands.
      const data = Buffer.from(`mg ${k} v O1\r\n`.repeat(200_000).slice(0, 2 * 1024 * 1024));
      const outcomes = await Promise.all([big.metaGet(k), big.metaSet(fresh(), data), big.metaGet(k), big.metaNoop()].map((p: PromiseLike<unknown>) => p.then((r) => r, (e: unknown) => e)));
      expect(outcomes[0]).toMatchObject({ hit: true, value: 'small' });
      expect(outcomes[1]).toBeInstanceOf(MemcacheServerError);
      expect(outcomes[2]).toMatchObject({ hit: true, value: 'small' });
      expect(outcomes[3]).toEqual(new Map([[server.spec, true]]));
      expect(await connections()).toBe(before);
    } finally {
      await big.close();
    }
  });
});
