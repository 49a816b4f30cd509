import { firstValueFrom, filter, type Observable } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, HashClient, type ClientEvent, type MembershipEvent } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { startNutcracker, type Nutcracker } from '../support/nutcracker.js';

// protocol: 'auto' against real memcached 1.6.18 (it speaks meta) and through twemproxy 0.5 (it closes
// a connection on any meta command, though it forwards `version` to its 1.6 backend): each server is
// probed on a connection of its own, and the client's connection never sees the probe.
let memcached: MemcachedServer;
let backend: MemcachedServer;
let proxy: Nutcracker;
let n = 0;
const fresh = (): string => `auto-${++n}-${Date.now()}`;
const reply = { noreply: false } as const;

beforeAll(async () => {
  [memcached, backend] = await Promise.all([startMemcached(), startMemcached()]);
  proxy = await startNutcracker([{ host: backend.host, port: backend.port }], { hash: 'md5', distribution: 'ketama' });
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([memcached?.stop(), backend?.stop()]);
});

const protocolOf = (events: Observable<ClientEvent | MembershipEvent>, server: string): Promise<string> =>
  firstValueFrom(events.pipe(filter((e): e is ClientEvent & { type: 'protocol' } => e.type === 'protocol' && e.server === server))).then((e) => e.protocol);

describe("protocol: 'auto'", () => {
  it('finds that memcached 1.6.18 speaks meta; then a noreply add of an existing key tells the truth', async () => {
    const client = new Client(memcached.spec, { protocol: 'auto', timeout: 5000 });
    try {
      const found = protocolOf(client.events$, client.server);
      const k = fresh();
      expect(await client.set(k, 'first', reply)).toBe(true); // text while the probe runs
      expect(await found).toBe('meta');
      expect(await client.add(k, 'second')).toBe(false); // noreply, sent quiet: NOT_STORED comes back
      expect(await client.add(fresh(), 'new')).toBe(true);
      expect(await client.get(k)).toBe('first'); // a single key's read, as mg
      expect(await client.getMany([k, fresh()])).toEqual(new Map([[k, 'first']]));
      expect(await client.delete(fresh())).toBe(false); // noreply delete of a missing key: the truth
    } finally {
      await client.close();
    }
  });

  it('every noreply write is answered on a meta server: cas, incr, setMany and deleteMany tell the truth, where text says true unread', async () => {
    // Over memcached's 1 MiB item limit, and under the client's own limit, so the server refuses it.
    const big = 'x'.repeat(1536 * 1024);
    const options = { timeout: 5000, maxValueSize: 2 * 1024 * 1024 } as const;
    const auto = new Client(memcached.spec, { protocol: 'auto', ...options });
    const text = new Client(memcached.spec, { protocol: 'text', ...options });
    try {
      const found = protocolOf(auto.events$, auto.server);
      const k = fresh();
      expect(await auto.set(k, '1', reply)).toBe(true);
      expect(await found).toBe('meta');
      const { cas: stale } = await auto.gets(k);
      expect(await auto.set(k, '2', reply)).toBe(true);
      expect(await auto.cas(k, '3', stale as string, { noreply: true })).toBe(false);
      expect(await text.cas(k, '3', stale as string, { noreply: true })).toBe(true);
      expect(await auto.get(k)).toBe('2');
      expect(await auto.incr(k, 5, { noreply: true })).toBe(7n);
      expect(await auto.incr(fresh(), 5, { noreply: true })).toBeNull();
      const [small, refused] = [fresh(), fresh()];
      expect(await auto.setMany([[small, 'ok'], [refused, big]], { noreply: true })).toEqual([refused]);
      expect(await text.setMany([[refused, big]], { noreply: true })).toEqual([]);
      expect(await auto.getMany([small, refused])).toEqual(new Map([[small, 'ok']]));
      expect(await auto.deleteMany([small, fresh()], { noreply: true })).toBe(true);
      expect(await auto.get(small)).toBeUndefined();
    } finally {
      await Promise.all([auto.close(), text.close()]);
    }
  });

  it('through twemproxy: text, and the client never loses a connection to the probe', async () => {
    const client = new Client(proxy.spec, { protocol: 'auto', timeout: 5000, noreplySentinel: false });
    const downs: string[] = [];
    client.events$.subscribe((e) => e.type === 'down' && downs.push(e.error ?? ''));
    try {
      const found = protocolOf(client.events$, client.server);
      const k = fresh();
      expect(await client.set(k, 'v', reply)).toBe(true);
      expect(await found).toBe('text');
      expect(await client.add(k, 'again')).toBe(true); // text noreply: the answer is never read
      expect(await client.get(k)).toBe('v');
      expect(await client.getMany([k])).toEqual(new Map([[k, 'v']]));
      expect(downs).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('a HashClient probes each server on its own: meta on memcached, text through the proxy', async () => {
    const cluster = new HashClient([memcached.spec, proxy.spec], { protocol: 'auto', timeout: 5000, noreplySentinel: false });
    try {
      const found = Promise.all([protocolOf(cluster.events$, memcached.spec), protocolOf(cluster.events$, proxy.spec)]);
      const keys = Array.from({ length: 20 }, () => fresh());
      expect(await cluster.setMany(keys.map((k) => [k, k] as const), reply)).toEqual([]);
      expect(await found).toEqual(['meta', 'text']);
      const values = await Promise.all(keys.map((k) => cluster.get(k)));
      expect(values).toEqual(keys);
    } finally {
      await cluster.close();
    }
  });
});
