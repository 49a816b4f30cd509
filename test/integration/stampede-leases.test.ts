import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

// getOrSet's leases against a real memcached 1.6.18, one caller at a time: which item a win was handed
// on, and how the win is given back.
let server: MemcachedServer;
let client: Client;
let n = 0;
const fresh = (): string => `sl-${++n}-${Date.now()}`;
const EMPTY = new Uint8Array(0);

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 16 });
  client = new Client(server.spec, { timeout: 5000 });
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

describe('an empty value with client flags 0 is not a placeholder', () => {
  it('metaGet: a recache win on a real empty item is a hit; a vivify win on a miss is not; ttl only when asked', async () => {
    const real = fresh();
    await client.set(real, EMPTY, { expire: 100, noreply: false });
    const won = await client.metaGet(real, { cas: true, vivify: 30, recache: 200 });
    expect(won).toMatchObject({ hit: true, won: true, stale: false, clientFlags: 0 });
    expect(won.value).toEqual(Buffer.alloc(0));
    expect(won).not.toHaveProperty('ttl');
    const missing = fresh();
    expect(await client.metaGet(missing, { cas: true, vivify: 30, recache: 200 })).toMatchObject({ hit: false, won: true });
    expect(await client.metaGet(missing, { vivify: 30, ttl: true })).toMatchObject({ hit: false, alreadyWon: true, ttl: 30 });
  });

  it('getOrSet: a loader that fails on a recache win marks the real empty item stale again, it does not delete it', async () => {
    const k = fresh();
    await client.set(k, EMPTY, { expire: 100, noreply: false });
    const boom = new Error('loader failed');
    await expect(client.getOrSet(k, () => Promise.reject(boom), { ttl: 300, recache: 200 })).rejects.toBe(boom);
    const after = await client.metaGet(k, { vivify: 30, recache: 200 });
    expect(after).toMatchObject({ hit: true, stale: true, won: true });
    expect(after.value).toEqual(Buffer.alloc(0));
  });

  it('getOrSet: a loader that fails on a vivify win deletes the placeholder, so the next caller wins at once', async () => {
    const k = fresh();
    await expect(client.getOrSet(k, () => Promise.reject(new Error('no')), { ttl: 300 })).rejects.toThrow('no');
    expect(await client.getOrSet(k, () => 'second', { ttl: 300, timeout: 0 })).toBe('second');
  });
});

describe('a winner that goes away while its loader runs', () => {
  it('gives the win back at once: the next caller wins without waiting out the lease', async () => {
    const k = fresh();
    let release: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (release = resolve));
    const subscription = client.getOrSet(k, () => new Promise<string>(() => release()), { ttl: 300, lease: 600 }).subscribe();
    await started;
    subscription.unsubscribe();
    // timeout 0: a caller that does not win at once fails, so this passes only if the win was given back.
    expect(await client.getOrSet(k, () => 'next', { ttl: 300, lease: 600, timeout: 0 })).toBe('next');
    expect((await client.metaGet(k)).value).toBe('next');
  });

  it('over a stale item: marks it stale again, and the next caller refreshes it', async () => {
    const k = fresh();
    await client.set(k, 'old', { noreply: false });
    await client.invalidate(k);
    let release: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (release = resolve));
    const subscription = client.getOrSet(k, () => new Promise<string>(() => release()), { ttl: 300 }).subscribe();
    await started;
    subscription.unsubscribe();
    expect(await client.getOrSet(k, () => 'refreshed', { ttl: 300, timeout: 0 })).toBe('refreshed');
  });
});

