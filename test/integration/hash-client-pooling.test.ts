import { afterEach, describe, expect, it } from 'vitest';
import { Client, HashClient, MemcacheIllegalInputError, MemcachePoolTimeoutError, MemcacheTimeoutError } from '../../src/index.js';
import { isConnectivityFailure } from '../../src/cluster/server-node.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

// HashClient with usePooling: every server gets a PooledClient of up to maxPoolSize connections.
let servers: MemcachedServer[] = [];
let cluster: HashClient | undefined;
afterEach(async () => {
  await cluster?.close();
  await Promise.all(servers.map((s) => s.stop()));
  cluster = undefined;
  servers = [];
});

const connectionsOn = async (server: MemcachedServer): Promise<number> => {
  const observer = new Client(server.spec, { protocol: 'text' });
  try {
    return Number(only(await observer.stats())['curr_connections']);
  } finally {
    await observer.close();
  }
};

describe('HashClient({ usePooling: true })', () => {
  it('runs 600 concurrent sets and gets over two connections per server, each key with its own value', async () => {
    servers = await Promise.all([startMemcached(), startMemcached()]);
    const before = await Promise.all(servers.map(connectionsOn));
    cluster = new HashClient(
      servers.map((s) => s.spec),
      { protocol: 'text', usePooling: true, maxPoolSize: 2, maxPipeline: 20, timeout: 10_000 },
    );
    const keys = Array.from({ length: 600 }, (_, i) => `hp:${i}`);
    const stored = await Promise.all(keys.map((key) => cluster?.set(key, `v:${key}`, { noreply: false })));
    expect(stored.every((ok) => ok === true)).toBe(true);
    const values = await Promise.all(keys.map((key) => cluster?.get(key)));
    expect(values).toEqual(keys.map((key) => `v:${key}`));
    // 600 commands at 20 per connection fill both pools: each server holds two more connections.
    expect(await Promise.all(servers.map(connectionsOn))).toEqual(before.map((n) => n + 2));
  });

  it('rejects bad pool options at construction', () => {
    expect(() => new HashClient(['127.0.0.1:1'], { protocol: 'text', usePooling: true, maxPoolSize: 0 })).toThrow(MemcacheIllegalInputError);
  });

  it('a command that timed out waiting for a pooled connection says nothing about the server', () => {
    expect(isConnectivityFailure(new MemcachePoolTimeoutError('busy'))).toBe(false);
    expect(isConnectivityFailure(new MemcacheTimeoutError('silent'))).toBe(true);
  });
});
