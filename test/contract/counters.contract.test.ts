import { firstValueFrom, forkJoin } from 'rxjs';
import { expect } from 'vitest';
import { MemcacheClientError, MemcacheIllegalInputError } from '../../src/index.js';
import { contract } from './contract.js';

// delete, incr/decr and touch on every client, and commands being cold.
const reply = { noreply: false } as const;

contract('counters, touch and delete', (t) => {
  t.it('delete and deleteMany', async () => {
    const [a, b] = [t.fresh(), t.fresh()];
    await t.client.setMany([[a, '1'], [b, '2']], reply);
    expect(await t.client.delete(a, reply)).toBe(true);
    expect(await t.client.delete(a, reply)).toBe(false);
    expect(await t.client.deleteMany([b, t.fresh()], reply)).toBe(true);
    expect(await t.client.get(b)).toBeUndefined();
    expect(await t.client.deleteMany([])).toBe(true);
  });

  t.it('incr/decr are exact over 64 bits, wrap at 2^64, clamp at 0, null when missing', async () => {
    const k = t.fresh();
    await t.client.set(k, '18446744073709551614', reply);
    expect(await t.client.incr(k, 1)).toBe(18446744073709551615n);
    expect(await t.client.incr(k, 1)).toBe(0n);
    expect(await t.client.incr(k, 9007199254740993n)).toBe(9007199254740993n);
    expect(await t.client.decr(k, 9007199254740999n)).toBe(0n);
    expect(await t.client.incr(t.fresh(), 1)).toBeNull();
    // Text noreply reads no answer (null); meta (and 'auto' on memcached 1.6.18) reads it: the new value.
    expect(await t.client.incr(k, 5, { noreply: true })).toBe(t.client.codec.options.protocol === 'text' ? null : 5n);
    const text = t.fresh();
    await t.client.set(text, 'abc', reply);
    await expect(t.client.incr(text, 1)).rejects.toBeInstanceOf(MemcacheClientError);
    await expect(t.client.incr(k, -1)).rejects.toBeInstanceOf(MemcacheIllegalInputError);
  });

  t.it('touch reports whether the key exists', async () => {
    const k = t.fresh();
    await t.client.set(k, 't', reply);
    expect(await t.client.touch(k, 100, reply)).toBe(true);
    expect(await t.client.touch(t.fresh(), 100, reply)).toBe(false);
  });

  t.it('subscribing twice sends the command twice; nothing is sent before subscribing', async () => {
    const k = t.fresh();
    await t.client.set(k, '0', reply);
    const bump = t.client.incr(k, 1);
    expect(await t.client.get(k)).toBe('0'); // created, not subscribed: not sent
    const [a, b] = await firstValueFrom(forkJoin([bump, bump]));
    expect([a, b].sort()).toEqual([1n, 2n]);
    expect(await bump).toBe(3n);
  });
});
