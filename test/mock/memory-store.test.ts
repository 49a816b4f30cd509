import { describe, expect, it } from 'vitest';
import { MemcacheServerError } from '../../src/errors.js';
import type { MemoryStore, StoreCommand, StoreReply } from '../../src/mock/memory-store.js';
import { bytes, storeOnVirtualClock, text } from './virtual-clock.js';

// The store's replies and side effects, table-driven; each row is what memcached 1.6.18 answers
// (checked by wire probes and by memory-store.differential.test.ts against a real server).

const set = (store: MemoryStore, key: string, value: string, flags = 0): StoreReply => store.store('set', key, bytes(value), flags, 0);

describe('storage commands', () => {
  it.each([
    // command, key exists before?, reply, value after, flags after
    ['set', false, 'STORED', 'new', 9],
    ['set', true, 'STORED', 'new', 9],
    ['add', false, 'STORED', 'new', 9],
    ['add', true, 'NOT_STORED', 'old', 5],
    ['replace', false, 'NOT_STORED', undefined, undefined],
    ['replace', true, 'STORED', 'new', 9],
    ['append', false, 'NOT_STORED', undefined, undefined],
    ['append', true, 'STORED', 'oldnew', 5], // the old item's flags stay
    ['prepend', false, 'NOT_STORED', undefined, undefined],
    ['prepend', true, 'STORED', 'newold', 5],
  ] as const)('%s with the key present: %s → %s', (command: StoreCommand, present, reply, value, flags) => {
    const { store } = storeOnVirtualClock();
    if (present) set(store, 'k', 'old', 5);
    expect(store.store(command, 'k', bytes('new'), 9, 0)).toBe(reply);
    const hit = store.peek('k');
    expect([text(hit?.value), hit?.flags]).toEqual([value, flags]);
  });

  it('append keeps the old exptime and ignores its own', () => {
    const { store, advance } = storeOnVirtualClock();
    store.store('set', 'k', bytes('a'), 0, 10);
    store.store('append', 'k', bytes('b'), 0, 1000);
    advance(10);
    expect(store.peek('k')).toBeUndefined();
  });

  it('get answers hits in request order, a key asked twice twice, misses left out', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'a', '1');
    set(store, 'b', '2');
    expect(store.get(['b', 'x', 'a', 'b']).map((h) => `${h.key}=${text(h.value)}`)).toEqual(['b=2', 'a=1', 'b=2']);
    expect(store.stats()).toMatchObject({ cmd_get: 4, get_hits: 3, get_misses: 1 });
  });

  it('returns copies: changing a hit or the stored buffer changes nothing inside', () => {
    const { store } = storeOnVirtualClock();
    const value = bytes('abc');
    store.store('set', 'k', value, 0, 0);
    value[0] = 0x7a;
    const [hit] = store.get(['k']);
    hit?.value.fill(0x79);
    expect(text(store.peek('k')?.value)).toBe('abc');
  });

  it('delete: DELETED, then NOT_FOUND', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'k', 'v');
    expect([store.delete('k'), store.delete('k')]).toEqual(['DELETED', 'NOT_FOUND']);
    expect(store.stats()).toMatchObject({ delete_hits: 1, delete_misses: 1 });
  });
});

describe('cas uniques', () => {
  it.each([
    ['a missing key', false, (cas: bigint) => cas, 'NOT_FOUND', 'cas_misses'],
    ['the current unique', true, (cas: bigint) => cas, 'STORED', 'cas_hits'],
    ['a stale unique', true, (cas: bigint) => cas - 1n, 'EXISTS', 'cas_badval'],
    ['unique 0', true, () => 0n, 'EXISTS', 'cas_badval'],
  ] as const)('cas with %s: %s', (_name, present, pick, reply, counter) => {
    const { store } = storeOnVirtualClock();
    set(store, 'other', 'x');
    if (present) set(store, 'k', 'old');
    const cas = store.peek('k')?.cas ?? 2n;
    expect(store.cas('k', bytes('new'), 0, 0, pick(cas))).toBe(reply);
    expect(store.stats()[counter]).toBe(1);
  });

  it('grow by one on every change, across keys; touch, gat and a refused add keep them', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'a', '1');
    set(store, 'b', '2');
    store.store('append', 'a', bytes('x'), 0, 0);
    store.touch('a', 100);
    store.gat(100, ['a']);
    store.store('add', 'a', bytes('y'), 0, 0);
    expect([store.peek('a')?.cas, store.peek('b')?.cas]).toEqual([3n, 2n]);
  });

  // Found by reading memcached's flush_all: an immediate flush takes a unique of its own (oldest_cas).
  it('flush_all with no delay uses up one unique', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'a', '1');
    store.flushAll(0);
    set(store, 'a', '2');
    expect(store.peek('a')?.cas).toBe(3n);
  });
});

describe('item size limit (-I): key + value + 59 bytes, 63 with non-zero flags', () => {
  it.each([
    // itemSizeMax, key, flags, largest value that stores
    [1024 * 1024, 'a', 0, 1_048_516],
    [1024 * 1024, 'a', 1, 1_048_512],
    [1024 * 1024, 'k'.repeat(250), 0xffffffff, 1_048_263],
    [4096, 'key', 0, 4034],
  ])('itemSizeMax %i, key of %#, flags %i: %i bytes store, one more does not', (itemSizeMax, key, flags, largest) => {
    const { store } = storeOnVirtualClock({ itemSizeMax });
    expect(store.store('set', key, new Uint8Array(largest), flags, 0)).toBe('STORED');
    expect(() => store.store('set', key, new Uint8Array(largest + 1), flags, 0)).toThrow(new MemcacheServerError('object too large for cache'));
  });

  it.each([
    ['set', undefined],
    ['add', 'old'],
    ['replace', 'old'],
    ['append', 'old'],
    ['cas', 'old'],
  ] as const)('a too large %s leaves the old value: %j (set drops it, as memcached does)', (command, after) => {
    const { store } = storeOnVirtualClock({ itemSizeMax: 2048 });
    set(store, 'k', 'old');
    const big = new Uint8Array(2048);
    const call = (): unknown => (command === 'cas' ? store.cas('k', big, 0, 0, 1n) : store.store(command, 'k', big, 0, 0));
    expect(call).toThrow(MemcacheServerError);
    expect(text(store.peek('k')?.value)).toBe(after);
    expect(store.stats().cmd_set).toBe(1);
  });

  it('append past the limit is NOT_STORED (the parts fit, the whole does not)', () => {
    const { store } = storeOnVirtualClock({ itemSizeMax: 2048 });
    store.store('set', 'c', new Uint8Array(1000), 0, 0);
    expect(store.store('append', 'c', new Uint8Array(988), 0, 0)).toBe('STORED'); // 1 + 1988 + 59 = 2048
    expect(store.store('append', 'c', new Uint8Array(1), 0, 0)).toBe('NOT_STORED');
    expect(store.peek('c')?.value.length).toBe(1988);
  });
});

describe('stats', () => {
  // Found by the differential test: gat/gats count as touches only, never as gets.
  it('gat/gats count cmd_touch and touch_hits/touch_misses, not cmd_get', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'a', '1');
    store.gat(0, ['a', 'b']);
    expect(store.stats()).toMatchObject({ cmd_get: 0, get_hits: 0, get_misses: 0, cmd_touch: 2, touch_hits: 1, touch_misses: 1 });
  });

  it('count as memcached does', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'a', '1');
    store.store('add', 'a', bytes('2'), 0, 0);
    store.touch('a', 0);
    store.touch('b', 0);
    store.incr('a', 1n, true);
    store.incr('a', 1n, false);
    store.flushAll();
    expect(store.stats()).toEqual(expect.objectContaining({
      curr_items: 0, total_items: 1, cmd_set: 2, cmd_touch: 2, touch_hits: 1, touch_misses: 1,
      incr_hits: 1, decr_hits: 1, cmd_flush: 1,
    }));
  });

  it('peek counts nothing', () => {
    const { store } = storeOnVirtualClock();
    set(store, 'a', '1');
    store.peek('a');
    store.peek('b');
    expect(store.stats()).toMatchObject({ cmd_get: 0, get_hits: 0, get_misses: 0 });
  });
});
