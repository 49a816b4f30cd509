import net from 'node:net';
import { filter, firstValueFrom, take, timeout, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, ElastiCacheDiscovery, HashClient, type ClusterRing, type DiscoveryFailure } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';

/**
 * A FAKE ElastiCache configuration endpoint: memcached itself has no `config get cluster`, so this
 * answers it with `nodes` (mutable) as `host|ip|port`, where each ip:port is a real memcached.
 */
interface FakeConfigEndpoint {
  readonly port: number;
  nodes: { version: number; servers: readonly MemcachedServer[] };
  close(): Promise<void>;
}

async function fakeConfigEndpoint(version: number, servers: readonly MemcachedServer[]): Promise<FakeConfigEndpoint> {
  const sockets = new Set<net.Socket>();
  const endpoint = {
    port: 0,
    nodes: { version, servers },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk) => {
      if (!chunk.toString('latin1').startsWith('config get cluster\r\n')) return void socket.write('ERROR\r\n');
      const list = endpoint.nodes.servers.map((s, i) => `mc-${i}.cache.local|127.0.0.1|${s.port}`).join(' ');
      const body = `${endpoint.nodes.version}\n${list}\n`;
      socket.write(`CONFIG cluster 0 ${body.length}\r\n${body}\r\nEND\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.port = (server.address() as net.AddressInfo).port;
  return endpoint;
}

const ringWith = (cluster: HashClient, count: number): Promise<ClusterRing> =>
  firstValueFrom(cluster.ring$.pipe(filter((r) => r.servers.length === count), timeout(10_000)));

let servers: MemcachedServer[];
beforeAll(async () => {
  servers = await Promise.all([startMemcached(), startMemcached(), startMemcached()]);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

describe('ElastiCacheDiscovery with HashClient (fake configuration endpoint, real memcached)', () => {
  it('follows the configuration: a new node takes exactly the keys the ring gives it; a failed poll changes nothing', async () => {
    const [s0, s1, s2] = servers as [MemcachedServer, MemcachedServer, MemcachedServer];
    const endpoint = await fakeConfigEndpoint(1, [s0, s1]);
    const discovery = new ElastiCacheDiscovery(`127.0.0.1:${endpoint.port}`, { interval: 50, timeout: 2000, address: 'ip' });
    const failures: DiscoveryFailure[] = [];
    discovery.failures$.subscribe((f) => failures.push(f));
    const cluster = new HashClient(discovery.servers$);
    const direct = new Map(servers.map((s) => [`127.0.0.1:${s.port}`, new Client(`127.0.0.1:${s.port}`)]));
    const keys = Array.from({ length: 120 }, (_, i) => `discovered:${i}`);
    try {
      const before = await ringWith(cluster, 2);
      expect([...before.servers].sort()).toEqual([`127.0.0.1:${s0.port}`, `127.0.0.1:${s1.port}`].sort());
      expect(await cluster.setMany(new Map(keys.map((k) => [k, `v:${k}`])), { noreply: false })).toEqual([]);

      endpoint.nodes = { version: 2, servers: [s0, s1, s2] };
      const after = await ringWith(cluster, 3);
      const moved = keys.filter((k) => after.nodeFor(k) !== before.nodeFor(k));
      // Rendezvous hashing: a new node only takes keys, to itself; the others stay where they were.
      expect(moved.length).toBeGreaterThan(0);
      expect(new Set(moved.map((k) => after.nodeFor(k)))).toEqual(new Set([`127.0.0.1:${s2.port}`]));
      const hits = await cluster.getMany(keys);
      expect(keys.filter((k) => !hits.has(k))).toEqual(moved);
      // Written again, each moved key lands on the new server, as the ring said.
      await cluster.setMany(new Map(moved.map((k) => [k, 'again'])), { noreply: false });
      const onNew = await (direct.get(`127.0.0.1:${s2.port}`) as Client).getMany(moved);
      expect(onNew.size).toBe(moved.length);

      const firstFailure = firstValueFrom(discovery.failures$.pipe(take(1), timeout(10_000)));
      await endpoint.close();
      const failed = await firstFailure;
      expect(failed).toMatchObject({ type: 'discovery-failed', endpoint: `127.0.0.1:${endpoint.port}` });
      expect((failed.error as Error).name).toBe('MemcacheConnectionError');
      expect([...failed.servers].sort()).toEqual([...after.servers].sort());
      expect(cluster.serverFor(moved[0] as string)).toBe(`127.0.0.1:${s2.port}`);
      expect(await cluster.get(moved[0] as string)).toBe('again');
    } finally {
      await cluster.close();
      await Promise.all([...direct.values()].map((c) => c.close()));
      await endpoint.close().catch(() => undefined);
    }
    expect(failures.length).toBeGreaterThan(0);
  });

  it('reports a plain memcached as no configuration endpoint, and emits no servers', async () => {
    const discovery = new ElastiCacheDiscovery(`127.0.0.1:${(servers[0] as MemcachedServer).port}`, { interval: 50 });
    const seen: Array<readonly string[]> = [];
    const subscription = discovery.servers$.subscribe((list) => seen.push(list));
    try {
      const failures = await firstValueFrom(discovery.failures$.pipe(take(2), toArray(), timeout(10_000)));
      expect(failures.map((f) => [(f.error as Error).name, f.servers])).toEqual([
        ['MemcacheUnknownCommandError', []],
        ['MemcacheUnknownCommandError', []],
      ]);
      expect(seen).toEqual([]);
    } finally {
      subscription.unsubscribe();
    }
  });
});
