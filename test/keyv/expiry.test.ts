import Keyv from 'keyv';
import { setTimeout as sleep } from 'node:timers/promises';
import { asyncScheduler } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../src/index.js';
import { exptimeFor, MAX_RELATIVE_EXPIRE, MemcacheKeyvStore } from '../../src/keyv/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { storedKeyOf } from './support.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2027, 0, 1);

describe('exptimeFor: Keyv TTLs (ms) as memcached exptimes', () => {
  it.each([
    ['no TTL', undefined, 0],
    ['0 (Keyv: no TTL)', 0, 0],
    ['NaN', Number.NaN, 0],
    ['Infinity', Number.POSITIVE_INFINITY, 0],
    ['negative: gone at once', -5, -1],
    ['1 ms: rounded up, plus the partial tick', 1, 2],
    ['999 ms', 999, 2],
    ['1000 ms', 1000, 2],
    ['1001 ms', 1001, 3],
    ['30 days minus 1 s: still relative', (MAX_RELATIVE_EXPIRE - 1) * 1000, MAX_RELATIVE_EXPIRE],
    ['30 days: one more second makes it a Unix time', MAX_RELATIVE_EXPIRE * 1000, NOW / 1000 + MAX_RELATIVE_EXPIRE + 1],
    ['31 days: a Unix time', 31 * DAY, NOW / 1000 + 31 * 86_400 + 1],
    ['past 2038: capped at 2^31-1', 20 * 365 * DAY, 2_147_483_647],
  ])('%s', (_name, ttl, expected) => {
    expect(exptimeFor(ttl, NOW)).toBe(expected);
  });

  it('never turns a positive TTL into 0 (never expires)', () => {
    for (const ttl of [Number.MIN_VALUE, 0.5, 1, 10, 500, 999.999]) expect(exptimeFor(ttl, NOW)).toBeGreaterThan(0);
  });
});

describe('TTLs on real memcached', () => {
  let server: MemcachedServer;
  let client: Client;
  let store: MemcacheKeyvStore;
  beforeAll(async () => {
    server = await startMemcached();
    client = new Client(server.spec);
    store = new MemcacheKeyvStore(client, { namespace: 'ttl' });
  });
  afterAll(async () => {
    await client.close();
    await server.stop();
  });
  const remaining = async (key: string): Promise<number | null | undefined> =>
    (await client.metaGet(await storedKeyOf(store, key), { ttl: true })).ttl;

  it('1 ms is stored with a TTL of whole seconds (not 0 = forever), and memcached then drops it', async () => {
    expect(await store.set('short', 'v', 1)).toBe(true);
    const ttl = await remaining('short');
    expect(ttl).not.toBeNull();
    expect(ttl).toBeGreaterThanOrEqual(1);
    expect(ttl).toBeLessThanOrEqual(2);
    // Bounded wait for memcached's own expiry: 2 s plus the tick, polled.
    const key = await storedKeyOf(store, 'short');
    for (let i = 0; i < 60 && (await client.get(key)) !== undefined; i++) await sleep(100);
    expect(await client.get(key)).toBeUndefined();
  });

  it('31 days is sent as a Unix time, so the item lives ~31 days (as-is, memcached would read 1970)', async () => {
    expect(await store.set('month', 'v', 31 * DAY)).toBe(true);
    const ttl = (await remaining('month')) as number;
    expect(Math.abs(ttl - (31 * 86_400 + 1))).toBeLessThanOrEqual(3);
    expect(await store.get('month')).toBe('v');
    // The fault this avoids: the relative number itself, past 30 days, is a time in 1970.
    await client.set('raw-month', 'v', { expire: 31 * 86_400, noreply: false });
    expect(await client.get('raw-month')).toBeUndefined();
  });

  it('a TTL ending after 2038 is capped at the last time memcached can hold', async () => {
    expect(await store.set('decades', 'v', 20 * 365 * DAY)).toBe(true);
    const ttl = (await remaining('decades')) as number;
    expect(Math.abs(ttl - (2_147_483_647 - Math.floor(Date.now() / 1000)))).toBeLessThanOrEqual(3);
  });

  it('no TTL: never expires; negative: gone', async () => {
    await store.set('forever', 'v');
    expect(await remaining('forever')).toBeNull();
    await store.set('past', 'v', -1000);
    expect(await store.get('past')).toBeUndefined();
  });

  it('through Keyv: its own expiry hides the value at the millisecond, though memcached keeps it a bit longer', async () => {
    const keyv = new Keyv({ store, namespace: 'ttl' });
    await keyv.set('k', 'v', 50);
    await sleep(120);
    expect(await keyv.get('k')).toBeUndefined();
  });

  it("has() goes to the store, which reads Keyv's `expires` from the serialized entry", async () => {
    let now = Date.now();
    const clocked = new MemcacheKeyvStore(client, { scheduler: { now: () => now, schedule: asyncScheduler.schedule.bind(asyncScheduler) } });
    const keyv = new Keyv({ store: clocked, namespace: 'ttl' });
    await keyv.set('h', 'v', 60_000);
    await keyv.set('forever', 'v');
    expect(await keyv.has('h')).toBe(true);
    now += 61_000;
    expect(await keyv.has('h')).toBe(false);
    expect(await keyv.has('forever')).toBe(true);
    expect(await clocked.hasMany(['ttl:h', 'ttl:forever', 'ttl:none'])).toEqual([false, true, false]);
  });
});
