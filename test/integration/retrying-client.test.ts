import { filter, firstValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheUnexpectedCloseError, RetryingClient, type MemcacheClient, type RetryingClientOptions } from '../../src/index.js';
import { eventually } from '../support/fault-harness.js';
import { fault } from '../support/fault-proxy.js';
import { faultSuite } from '../support/fault-suite.js';
import { rawExchange, startMemcached } from '../support/memcached.js';

// RetryingClient against real memcached: riding over a restart, and what a lost reply does to a write
// (the server's own counters say how many times it ran).

const reply = { noreply: false } as const;

let clients: Array<MemcacheClient<unknown>> = [];
const suite = faultSuite({ proxy: true, cleanup: () => clients.forEach((c) => c.destroy()) });

/** Keeps a client for the suite's cleanup. */
function kept<C extends MemcacheClient<unknown>>(client: C): C {
  clients.push(client);
  return client;
}

/** The server's counters of how many times it ran incr (on a hit) and a storage command. */
async function ran(port: number): Promise<{ incr: number; store: number }> {
  const stats = await rawExchange(port, '127.0.0.1', 'stats\r\n', 'END\r\n');
  const stat = (name: string): number => Number(new RegExp(`STAT ${name} (\\d+)\r\n`).exec(stats)?.[1]);
  return { incr: stat('incr_hits'), store: stat('cmd_set') };
}

describe('RetryingClient over a restart', () => {
  it('reads issued while the server is down all answer once it is back; a write that never left lands once', async () => {
    clients = [];
    const victim = await startMemcached();
    try {
      const inner = kept(new Client(victim.spec, { protocol: 'text', timeout: 1000, backoff: { initial: 20, max: 100 } }));
      const failures: string[] = [];
      // 200 tries 50 ms apart: 10 s to restart, far more than it takes.
      const client = kept(new RetryingClient(inner, { attempts: 200, retryDelay: (_n, e) => (failures.push((e as Error).name), 50) }));
      await client.set('k', 'before restart', reply);
      const down = firstValueFrom(inner.health$.pipe(filter((h) => h.state === 'down')));
      process.kill(victim.pid, 'SIGKILL');
      await down;
      const reads = Array.from({ length: 20 }, () => client.get('k', 'miss').then((v) => v));
      const write = client.incr('counter', 1).then((v) => v);
      // Every one of them is failing now; then the server comes back.
      expect(await eventually(() => failures.length >= 21, 5000)).toBe(true);
      await victim.restart();
      // Misses: answered by the restarted server, whose cache is empty.
      expect(await Promise.all(reads)).toEqual(Array.from({ length: 20 }, () => 'miss'));
      expect(await write).toBeNull();
      const stats = await rawExchange(victim.port, '127.0.0.1', 'stats\r\n', 'END\r\n');
      expect(/STAT incr_misses (\d+)\r\n/.exec(stats)?.[1]).toBe('1');
      expect(new Set(failures)).toEqual(new Set(['MemcacheConnectionError']));
    } finally {
      clients.forEach((c) => c.destroy());
      await victim.stop();
    }
  });
});

describe('RetryingClient and a reply lost after the server ran the write', () => {
  /** A client through the proxy (connected), and one straight to the server holding `counter` 0 and `text` 'a'. */
  async function setup(options: RetryingClientOptions = {}): Promise<{ client: RetryingClient; direct: Client }> {
    clients = [];
    const direct = kept(new Client(suite.memcached.spec, { protocol: 'text' }));
    await direct.set('counter', '0', reply);
    await direct.set('text', 'a', reply);
    // Each cut connection counts against the reconnect backoff (at most 20 ms here): tries wait longer.
    const inner = new Client(suite.proxy.spec, { protocol: 'text', timeout: 2000, backoff: { initial: 20, max: 20 } });
    const client = kept(new RetryingClient(inner, { attempts: 3, retryDelay: 50, ...options }));
    await client.version(); // connected before the fault
    return { client, direct };
  }

  it('is never sent twice by default: the server ran incr and append once each, and both commands fail', async () => {
    const { client, direct } = await setup();
    const before = await ran(suite.memcached.port);
    // The server's next reply closes the connection instead of reaching the client.
    suite.proxy.set(fault.closeAfter(0));
    await expect(client.incr('counter', 1)).rejects.toBeInstanceOf(MemcacheUnexpectedCloseError);
    suite.proxy.set(fault.closeAfter(0));
    await expect(client.append('text', 'b', reply)).rejects.toBeInstanceOf(MemcacheUnexpectedCloseError);
    const after = await ran(suite.memcached.port);
    expect({ incr: after.incr - before.incr, store: after.store - before.store }).toEqual({ incr: 1, store: 1 });
    expect([await direct.get('counter'), await direct.get('text')]).toEqual(['1', 'ab']);
    // A read lost the same way is tried again and answers.
    suite.proxy.set(fault.closeAfter(0));
    expect(await client.get('text')).toBe('ab');
  });

  it('is sent again with retryWrites: true, and the server runs it twice (the risk that option takes)', async () => {
    const { client, direct } = await setup({ retryWrites: true });
    const before = await ran(suite.memcached.port);
    suite.proxy.set(fault.closeAfter(0));
    expect(await client.incr('counter', 1)).toBe(2n);
    suite.proxy.set(fault.closeAfter(0));
    expect(await client.append('text', 'b', reply)).toBe(true);
    const after = await ran(suite.memcached.port);
    expect({ incr: after.incr - before.incr, store: after.store - before.store }).toEqual({ incr: 2, store: 2 });
    expect([await direct.get('counter'), await direct.get('text')]).toEqual(['2', 'abb']);
  });
});
