import { afterEach } from 'vitest';
import { rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';

/**
 * Real memcached processes and the HashClients over them for one test, all stopped after it. Call at
 * the top of a test file.
 */
export function clusterFixture(): {
  start: (n: number) => Promise<MemcachedServer[]>;
  track: <C extends { close(): Promise<void> }>(client: C) => C;
} {
  let servers: MemcachedServer[] = [];
  let clients: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(servers.map((s) => s.stop()));
    clients = [];
    servers = [];
  });
  return {
    start: async (n) => {
      const started = await Promise.all(Array.from({ length: n }, () => startMemcached()));
      servers.push(...started);
      return started;
    },
    track: (client) => {
      clients.push(client);
      return client;
    },
  };
}

/** How many items the server holds, asked over a socket of its own (not through the client under test). */
export async function itemCount(server: MemcachedServer): Promise<number> {
  const stats = await rawExchange(server.port, '127.0.0.1', 'stats\r\n', 'END\r\n');
  return Number(/STAT curr_items (\d+)/.exec(stats)?.[1] ?? Number.NaN);
}
