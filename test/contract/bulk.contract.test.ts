import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { contract } from './contract.js';

// Many commands at once on every client: each settles with its own value, byte-exact.
const reply = { noreply: false } as const;

contract('bulk and pipelined commands', (t) => {
  t.it('values kept by the caller stay intact while later replies reuse the socket read buffer', async () => {
    // Small values (copied out of the read buffer) and 200 KB ones (read across several reads).
    const keys = Array.from({ length: 40 }, () => t.fresh());
    const data = keys.map((_, i) => randomBytes(i % 4 === 0 ? 200_000 : 1 + i * 7));
    await Promise.all(keys.map((k, i) => t.client.set(k, data[i] as Buffer, reply)));
    const kept = await Promise.all(keys.map((k) => t.client.get(k)));
    const many = await t.client.getMany(keys);
    // Hundreds of later replies through the same read buffer.
    for (let round = 0; round < 5; round++) await Promise.all(keys.map((k) => t.client.get(k)));
    kept.forEach((value, i) => expect(Buffer.compare(value as Uint8Array, data[i] as Buffer)).toBe(0));
    keys.forEach((k, i) => expect(Buffer.compare(many.get(k) as Uint8Array, data[i] as Buffer)).toBe(0));
  });

  t.it('random binary values of many sizes round-trip byte-exact while pipelined', async () => {
    const entries = Array.from({ length: 200 }, (_, i) => [t.fresh(), randomBytes((i * 7919) % 70_000)] as const);
    await Promise.all(entries.map(([k, v]) => t.client.set(k, v, reply)));
    const back = await Promise.all(entries.map(([k]) => t.client.get(k)));
    back.forEach((v, i) => expect(Buffer.compare(Buffer.from(v as Uint8Array), entries[i]?.[1] as Buffer)).toBe(0));
  });

  // Ordinary bulk code must not meet the default queue bounds (issue: 20,000 gets failed 10,000 of them).
  t.it(
    'Promise.all of 20,000 gets and 20,000 sets at the default bounds: every one resolves with its own value',
    async () => {
      const client = t.make({ timeout: 30_000 });
      const n = 20_000;
      const base = t.fresh();
      const stored = await Promise.all(Array.from({ length: n }, (_, i) => client.set(`${base}:${i}`, `v${i}`, reply)));
      expect(stored.every((s) => s)).toBe(true);
      const values = await Promise.all(Array.from({ length: n }, (_, i) => client.get(`${base}:${i}`)));
      expect(values.filter((v, i) => v !== `v${i}`)).toEqual([]);
    },
    60_000,
  );
});
