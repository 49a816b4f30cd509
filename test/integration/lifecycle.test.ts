import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  MemcacheClosedError,
  MemcacheConnectionError,
  MemcacheError,
  MemcacheIllegalInputError,
  MemcacheServerError,
  MemcacheTimeoutError,
  type ConnectionHealth,
} from '../../src/index.js';
import { eventually } from '../support/fault-harness.js';
import { freePort, rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';
import { only } from '../support/only.js';

const reply = { noreply: false } as const;

/** Counts of active handles by type, to prove close() leaves nothing behind. */
function handles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Settles every promise and tallies the outcomes by class name (or 'value'). */
async function tally(promises: Array<PromiseLike<unknown>>): Promise<Record<string, number>> {
  const outcomes = await Promise.allSettled(promises);
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const name = o.status === 'fulfilled' ? 'value' : (o.reason as Error).name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

/** Whether the process is gone (signal 0 only checks that it exists). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}

let server: MemcachedServer;
beforeAll(async () => {
  server = await startMemcached({ enableShutdown: false });
});
afterAll(async () => {
  await server.stop();
});

describe('close()', () => {
  it('drains what is in flight, rejects what comes after, and leaves no handles', async () => {
    const before = handles();
    const client = new Client(server.spec);
    await client.set('drain', 'value', reply);
    // Commands are cold: `.then` subscribes, so these are in flight before close() is called.
    const inFlight = Array.from({ length: 200 }, () => client.get('drain').then((v) => v));
    const closed = client.close();
    const values = await Promise.all(inFlight);
    expect(values.every((v) => v === 'value')).toBe(true);
    await closed;
    await expect(client.get('drain')).rejects.toBeInstanceOf(MemcacheClosedError);
    await client.close(); // twice is fine
    await new Promise((resolve) => setImmediate(resolve));
    const after = handles();
    expect(after.get('TCPSocketWrap') ?? 0).toBeLessThanOrEqual(before.get('TCPSocketWrap') ?? 0);
    expect(after.get('Timeout') ?? 0).toBeLessThanOrEqual(before.get('Timeout') ?? 0);
  });

  it('completes health$ after close', async () => {
    const client = new Client(server.spec);
    const states: string[] = [];
    let completed = false;
    client.health$.subscribe({ next: (h) => states.push(h.state), complete: () => (completed = true) });
    await client.version();
    await client.close();
    expect(states).toEqual(['idle', 'connecting', 'up', 'down']);
    expect(completed).toBe(true);
  });
});

describe('unreachable server', () => {
  it('fails with a connection error and reports down on health$', async () => {
    const port = await freePort();
    const client = new Client(`127.0.0.1:${port}`);
    const seen: ConnectionHealth[] = [];
    client.health$.subscribe((h) => seen.push(h));
    await expect(client.get('k')).rejects.toBeInstanceOf(MemcacheConnectionError);
    const last = seen.at(-1);
    expect(last?.state).toBe('down');
    expect(last?.state === 'down' ? last.error : undefined).toBeInstanceOf(MemcacheConnectionError);
    await client.close();
  });

  it('with ignoreExc, reads are misses, writes still fail, bad keys still fail', async () => {
    const port = await freePort();
    const client = new Client(`127.0.0.1:${port}`, { ignoreExc: true });
    expect(await client.get('k')).toBeUndefined();
    expect(await client.get('k', 'dflt')).toBe('dflt');
    expect(await client.getMany(['a', 'b'])).toEqual(new Map());
    expect(await client.gets('k', 'd', 'c')).toEqual({ value: 'd', cas: 'c' });
    expect(await client.stats()).toEqual(new Map());
    await expect(client.set('k', 'v', reply)).rejects.toBeInstanceOf(MemcacheConnectionError);
    await expect(client.get('bad key')).rejects.toBeInstanceOf(MemcacheIllegalInputError);
    await client.close();
    // A closed client is the caller's mistake, not a cache failure: never turned into a miss.
    await expect(client.get('k', 'dflt')).rejects.toBeInstanceOf(MemcacheClosedError);
  });
});

describe('a server that stops answering (SIGSTOP)', () => {
  it('times out in-flight commands, drops the connection, and recovers after SIGCONT', async () => {
    const paused = await startMemcached();
    const client = new Client(paused.spec, { timeout: 300 });
    try {
      await client.set('p', 'before', reply);
      paused.pause();
      // Settled, every one, by the deadline alone: nothing else could end them while the server is stopped.
      const outcome = await tally(Array.from({ length: 50 }, () => client.get('p')));
      expect(outcome).toEqual({ MemcacheTimeoutError: 50 });
      paused.resume();
      expect(await client.get('p')).toBe('before');
    } finally {
      paused.resume();
      await client.close();
      await paused.stop();
    }
  });
});

describe('a server killed with commands in flight', () => {
  it('settles every command with a typed error, never replays, and reconnects after restart', async () => {
    const victim = await startMemcached();
    const client = new Client(victim.spec, { timeout: 2000 });
    try {
      await client.set('counter', '0', reply);
      const commands = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? client.incr('counter', 1) : client.get('counter')));
      process.kill(victim.pid, 'SIGKILL');
      const outcome = await tally(commands);
      const total = Object.values(outcome).reduce((a, b) => a + b, 0);
      expect(total).toBe(300);
      for (const name of Object.keys(outcome)) {
        expect(['value', 'MemcacheUnexpectedCloseError', 'MemcacheConnectionError']).toContain(name);
      }
      await victim.restart();
      expect(await client.set('after', 'restart', reply)).toBe(true);
      expect(await client.get('after')).toBe('restart');
    } finally {
      await client.close();
      await victim.stop();
    }
  });

  it('sends each pipelined non-idempotent command exactly once (server counters agree)', async () => {
    const victim = await startMemcached();
    const client = new Client(victim.spec, { timeout: 2000 });
    try {
      await client.set('once', '0', reply);
      const incrs = Array.from({ length: 200 }, () => client.incr('once', 1));
      const settled = await Promise.allSettled(incrs);
      const succeeded = settled.filter((s) => s.status === 'fulfilled').length;
      const stats = await rawExchange(victim.port, '127.0.0.1', 'stats\r\n', 'END\r\n');
      const incrHits = Number(/STAT incr_hits (\d+)/.exec(stats)?.[1]);
      expect(succeeded).toBe(200);
      expect(incrHits).toBe(200);
    } finally {
      await client.close();
      await victim.stop();
    }
  });
});

describe('early unsubscribe, quit, shutdown, server errors', () => {
  it('an unsubscribed command does not shift replies onto the next one', async () => {
    const client = new Client(server.spec);
    await client.setMany([['u1', 'one'], ['u2', 'two']], reply);
    const sub = client.get('u1').subscribe();
    await new Promise((resolve) => setImmediate(resolve)); // written, reply pending
    sub.unsubscribe();
    expect(await client.get('u2')).toBe('two');
    const early = client.get('u1').subscribe();
    early.unsubscribe(); // before the write: nothing is sent
    expect(await client.get('u1')).toBe('one');
    await client.close();
  });

  it('quit closes the connection and the next command opens a new one', async () => {
    const client = new Client(server.spec);
    const states: string[] = [];
    client.health$.subscribe((h) => states.push(h.state));
    await client.set('q', 'v', reply);
    await client.quit();
    expect(states.at(-1)).toBe('down');
    expect(await client.get('q')).toBe('v');
    expect(states.filter((s) => s === 'connecting').length).toBe(2);
    await client.close();
  });

  it('shutdown: refused without -A (typed error), stops the server with -A', async () => {
    const client = new Client(server.spec);
    const refusal = await client.shutdown().catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(MemcacheError);
    expect(String((refusal as Error).message)).toMatch(/shutdown not enabled/);
    expect(only(await client.version())).toMatch(/^1\.6/); // connection kept
    await client.close();

    const stoppable = await startMemcached({ enableShutdown: true });
    const killer = new Client(stoppable.spec, { timeout: 2000 });
    await expect(killer.shutdown()).resolves.toEqual(new Map([[killer.server, true]]));
    expect(await eventually(() => gone(stoppable.pid), 3000)).toBe(true);
    await killer.close();
    await stoppable.stop();
  });

  it('a noreply set over the size limit never disturbs the next reply', async () => {
    // Past the client-side check on purpose: this is about the server's answer to a noreply set.
    const client = new Client(server.spec, { protocol: 'text', maxValueSize: 8 * 1024 * 1024 });
    const errors: MemcacheError[] = [];
    client.noreplyErrors$.subscribe((e) => errors.push(e));
    await client.set('kept', 'old', reply);
    const big = Buffer.alloc(2 * 1024 * 1024, 1);
    const results = await Promise.all([client.set('big', big), client.get('kept'), client.set('big', big), client.version()]);
    expect(results[0]).toBe(true);
    expect(results[1]).toBe('old');
    expect(only(results[3])).toMatch(/^1\.6/);
    // memcached 1.6 stays silent here; any error it sent would be on noreplyErrors$, not on get/version.
    expect(errors.every((e) => e instanceof MemcacheServerError)).toBe(true);
    await client.close();
  });

  it('a connect that never completes fails queued commands (noreply too) with a timeout', async () => {
    // A TCP server that accepts and never speaks: the TLS handshake can never finish.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const client = new Client(`127.0.0.1:${port}`, { tls: true, connectTimeout: 200, timeout: 1000 });
    try {
      const errors = await Promise.all([client.set('k', 'v'), client.get('k')].map((c) => c.catch((e: unknown) => e)));
      // connectTimeout (200 ms) ended them, not the 1000 ms command timeout: the error names the deadline.
      for (const e of errors) {
        expect(e).toBeInstanceOf(MemcacheTimeoutError);
        expect((e as Error).message).toMatch(/^connecting to .* took longer than 200 ms$/);
      }
    } finally {
      await client.close();
      silent.close();
    }
  });
});
