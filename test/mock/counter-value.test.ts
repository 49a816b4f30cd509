import { describe, expect, it } from 'vitest';
import { MemcacheClientError } from '../../src/errors.js';
import { scansPastValue } from '../../src/mock/counter-value.js';
import { bytes, storeOnVirtualClock, text } from './virtual-clock.js';

// incr/decr as memcached 1.6.18 does them; every row was checked against a real 1.6.18 by hand (wire
// probes) or by the differential test. `stored` is the value afterwards, padding included.
describe('incr/decr on a stored value', () => {
  it.each([
    // value, incr?, delta, result, stored
    ['12', true, 1n, 13n, '13'],
    ['99', true, 1n, 100n, '100'], // longer: a new item
    ['100', false, 1n, 99n, '99 '], // shorter: rewritten in place, space-padded
    ['12 abc', true, 1n, 13n, '13    '], // the number ends at whitespace; padding covers the rest
    ['  12', true, 1n, 13n, '13  '], // leading whitespace is skipped
    ['\n15', true, 1n, 16n, '16 '],
    ['+12', true, 1n, 13n, '13 '],
    ['-0  ', true, 1n, 1n, '1   '], // a minus only matters when the result looks negative
    ['-18446744073709551615', true, 0n, 1n, '1'.padEnd(21)], // strtoull negates: 2^64 - (2^64-1)
    ['12\0x', true, 1n, 13n, '13  '], // a NUL ends the number too
    ['1\t2', true, 1n, 2n, '2  '],
    ['1\r5', true, 1n, 2n, '2  '],
    ['0000000000000000000000001', true, 1n, 2n, '2'.padEnd(25)],
    ['18446744073709551615', true, 2n, 1n, '1'.padEnd(20)], // incr wraps at 2^64
    ['5', false, 100n, 0n, '0'], // decr stops at 0
    ['9223372036854775808', true, 1n, 9223372036854775809n, '9223372036854775809'],
  ] as const)('%j %s %s = %s, stored as %j', (value, incr, delta, result, stored) => {
    const { store } = storeOnVirtualClock();
    store.store('set', 'n', bytes(value), 3, 0);
    expect(store.incr('n', delta, incr)).toBe(result);
    const hit = store.peek('n');
    expect(text(hit?.value)).toBe(stored);
    expect(hit?.flags).toBe(3);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'no digits'],
    ['12abc', 'a digit run ended by a letter'],
    ['+', 'a sign without digits'],
    [' x', 'whitespace, then no digits'],
    ['-12', 'negative'],
    ['9223372036854775808 -', 'a minus after a number that looks negative'],
    ['9999999999999999999 -x', 'the same, found by strchr past the number'],
    ['18446744073709551616', 'over 2^64-1 (ERANGE)'],
  ])('%j is non-numeric (%s): CLIENT_ERROR, value unchanged', (value) => {
    const { store } = storeOnVirtualClock();
    store.store('set', 'n', bytes(value), 0, 0);
    expect(() => store.incr('n', 1n, true)).toThrow(new MemcacheClientError('cannot increment or decrement non-numeric value'));
    expect(text(store.peek('n')?.value)).toBe(value);
    expect(store.stats().incr_hits).toBe(0);
  });

  // Probed on 1.6.18: key "n", flags 0: a 524228-byte value increments, 524229 bytes does not.
  it('refuses a number stored as a chunked item (over 512 KiB with key and overhead), as the server does', () => {
    const { store } = storeOnVirtualClock();
    store.store('set', 'n', bytes('7'.padEnd(524_229)), 0, 0);
    expect(() => store.incr('n', 1n, true)).toThrow(MemcacheClientError);
    store.store('set', 'n', bytes('7'.padEnd(524_228)), 0, 0);
    expect(store.incr('n', 1n, true)).toBe(8n);
  });

  it('a missing key is NOT_FOUND and counted as a miss', () => {
    const { store } = storeOnVirtualClock();
    expect(store.incr('nope', 1n, true)).toBe('NOT_FOUND');
    expect(store.incr('nope', 1n, false)).toBe('NOT_FOUND');
    expect(store.stats()).toMatchObject({ incr_misses: 1, decr_misses: 1, incr_hits: 0, decr_hits: 0 });
  });

  it('every change makes a new cas unique, in place or not', () => {
    const { store } = storeOnVirtualClock();
    store.store('set', 'n', bytes('100'), 0, 0);
    const first = store.peek('n')?.cas ?? 0n;
    store.incr('n', 0n, false); // in place ("100" stays "100")
    const second = store.peek('n')?.cas ?? 0n;
    store.incr('n', 900n, true); // "1000": a new item
    expect([second > first, (store.peek('n')?.cas ?? 0n) > second]).toEqual([true, true]);
  });
});

describe('scansPastValue: where the server reads memory after the item', () => {
  it.each([
    [' ', true],
    ['  \t', true],
    ['9223372036854775808', true],
    ['18446744073709551615', true],
    ['9223372036854775807', false],
    ['9223372036854775808 -', false],
    ['9223372036854775808\0', false],
    ['12', false],
    ['', false],
    ['abc', false],
  ])('%j: %s', (value, expected) => {
    expect(scansPastValue(bytes(value))).toBe(expected);
  });
});
