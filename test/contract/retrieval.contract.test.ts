import { expect } from 'vitest';
import { only } from '../support/only.js';
import { contract } from './contract.js';

// Retrieval commands on every client.
const reply = { noreply: false } as const;

contract('retrieval commands', (t) => {
  t.it('get returns undefined or the given default on a miss', async () => {
    expect(await t.client.get(t.fresh())).toBeUndefined();
    expect(await t.client.get(t.fresh(), 'fallback')).toBe('fallback');
  });

  t.it('getMany returns hits only, keyed by the caller keys, across split lines', async () => {
    const keys = Array.from({ length: 250 }, () => t.fresh());
    await t.client.setMany(keys.filter((_, i) => i % 2 === 0).map((k) => [k, `v:${k}`] as const), reply);
    const hits = await t.client.getMany(keys);
    expect(hits.size).toBe(125);
    for (const [k, v] of hits) expect(v).toBe(`v:${k}`);
    expect(await t.client.getMany([])).toEqual(new Map());
  });

  t.it('gets/cas: stored, exists, not found; tokens are digit strings', async () => {
    const k = t.fresh();
    await t.client.set(k, 'v1', reply);
    const first = await t.client.gets(k);
    expect(first.value).toBe('v1');
    expect(first.cas).toMatch(/^[0-9]+$/);
    const token = first.cas as string;
    expect(await t.client.cas(k, 'v2', token)).toBe(true);
    expect(await t.client.cas(k, 'v3', token)).toBe(false);
    expect(await t.client.get(k)).toBe('v2');
    expect(await t.client.cas(t.fresh(), 'x', token)).toBeNull();
    expect(await t.client.gets(t.fresh(), 'd', 'c')).toEqual({ value: 'd', cas: 'c' });
  });

  t.it('getsMany returns values with tokens', async () => {
    const [a, b] = [t.fresh(), t.fresh()];
    await t.client.set(a, 'A', reply);
    const result = await t.client.getsMany([a, b]);
    expect([...result.keys()]).toEqual([a]);
    expect(result.get(a)?.value).toBe('A');
    expect(result.get(a)?.cas).toMatch(/^[0-9]+$/);
  });

  t.it('gat and gats fetch and touch', async () => {
    const k = t.fresh();
    await t.client.set(k, 'g', { ...reply, expire: 1000 });
    expect(await t.client.gat(k, 5000)).toBe('g');
    expect((await t.client.gats(k, 5000)).value).toBe('g');
    expect(await t.client.gat(t.fresh(), 10, 'none')).toBe('none');
  });

  t.it('gat leaves the new expiry on the server (mg … t)', async () => {
    const k = t.fresh();
    await t.client.set(k, 'g', { ...reply, expire: 1000 });
    expect(await t.client.gat(k, 5000)).toBe('g');
    // Only the key's server holds it: ask that one.
    const meta = only(await t.client.rawCommand(`mg ${k} t`, { key: k }));
    const ttl = Number(/t(-?\d+)/.exec(meta.toString('latin1'))?.[1]);
    expect(ttl).toBeGreaterThan(1000);
  });
});
