import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Client,
  MemcacheAuthError,
  MemcacheConnectionError,
  MemcacheQueueFullError,
  MemcacheUnknownError,
} from '../../src/index.js';
import { startFakeServer } from '../support/fake-server.js';
import { freePort, rawExchange, startMemcached, type MemcachedServer } from '../support/memcached.js';

const reply = { noreply: false } as const;

describe('ASCII authentication against memcached -Y', () => {
  let server: MemcachedServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rxmc-auth-'));
    const authfile = join(dir, 'auth');
    writeFileSync(authfile, 'ada:s3cret\n');
    server = await startMemcached({ extraArgs: ['-Y', authfile] });
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('good credentials authenticate every new connection first', async () => {
    const client = new Client(server.spec, { auth: { username: 'ada', password: 's3cret' } });
    try {
      expect(await client.set('k', 'v', reply)).toBe(true);
      expect(await client.get('k')).toBe('v');
      await client.quit(); // the next command needs a new, freshly authenticated connection
      expect(await client.get('k')).toBe('v');
    } finally {
      await client.close();
    }
  });

  it('a bad password is a typed error, not a hang, and the connection is not used', async () => {
    const client = new Client(server.spec, { auth: { username: 'ada', password: 'wrong' }, timeout: 2000 });
    try {
      // A typed answer, not the 2000 ms timeout a hang would end in.
      const errors = await Promise.all([client.get('k'), client.set('k', 'x', reply)].map((c) => c.catch((e: unknown) => e)));
      for (const e of errors) expect(e).toBeInstanceOf(MemcacheAuthError);
    } finally {
      await client.close();
    }
    const unauthenticated = new Client(server.spec);
    try {
      await expect(unauthenticated.get('k')).rejects.toThrow(/unauthenticated|authentication/i);
    } finally {
      await unauthenticated.close();
    }
  });

  it('rejected credentials back off like a refused connection: few connections, every error says why', async () => {
    const connections = async (): Promise<number> => {
      const login = 'ada s3cret';
      const reply = await rawExchange(server.port, '127.0.0.1', `set auth 0 0 ${login.length}\r\n${login}\r\nstats\r\nquit\r\n`, /END\r\n/);
      return Number(/STAT total_connections (\d+)/.exec(reply)?.[1]);
    };
    const client = new Client(server.spec, { auth: { username: 'ada', password: 'wrong' }, backoff: { initial: 50, max: 2000 } });
    try {
      const before = await connections();
      const outcomes: Array<Promise<unknown>> = [];
      // 200 gets over about a second (bounded by count, not time).
      for (let i = 0; i < 200; i++) {
        outcomes.push(client.get('k').catch((e: unknown) => e));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const errors = await Promise.all(outcomes);
      const opened = (await connections()) - before - 1; // our own stats read is one
      // One immediate retry, then a doubling backoff from 50 ms: a handful, never one per command.
      expect(opened).toBeGreaterThan(0);
      expect(opened).toBeLessThanOrEqual(10);
      for (const e of errors) {
        expect(e instanceof MemcacheAuthError || e instanceof MemcacheConnectionError).toBe(true);
        expect((e as Error).message).toMatch(/rejected the credentials/);
      }
    } finally {
      await client.close();
    }
  });

  it('rejects credentials that would change the wire meaning before connecting', () => {
    expect(() => new Client(server.spec, { auth: { username: 'a b', password: 'x' } })).toThrow(/username/);
    expect(() => new Client(server.spec, { auth: { username: 'a', password: 'x\r\nflush_all' } })).toThrow(/password/);
    expect(() => new Client(server.spec, { auth: { username: 'a', password: 'two words' } })).toThrow(/password/);
  });
});

describe('bounded queues and backoff', () => {
  it('a server that stops reading cannot make the client buffer without bound: maxQueueBytes covers the socket too', async () => {
    const server = await startMemcached();
    // 100 values of 512 KiB (50 MiB) against a stopped server: the kernel takes a few MiB, the socket's own
    // buffer at most 4 MiB more, and then commands wait in the queue, where 8 MiB is the bound.
    const client = new Client(server.spec, { timeout: 60_000, maxQueueBytes: 8 * 1024 * 1024 });
    const value = Buffer.alloc(512 * 1024, 0x61);
    try {
      await client.set('warm', 'up', reply);
      server.pause();
      const outcomes = Array.from({ length: 100 }, (_, i) => client.set(`big${i}`, value, reply).then((v) => v, (e: unknown) => e));
      // Let every write that can happen happen before the server resumes.
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.resume();
      const settled = await Promise.all(outcomes);
      const refused = settled.filter((o) => o instanceof MemcacheQueueFullError).length;
      expect(settled.filter((o) => o !== true && !(o instanceof MemcacheQueueFullError))).toEqual([]);
      expect(refused).toBeGreaterThan(0);
      expect(refused).toBeLessThan(100);
    } finally {
      server.resume();
      await client.close();
      await server.stop();
    }
  });

  it('maxQueue fails fast once that many commands wait to be written', async () => {
    const server = await startMemcached();
    const client = new Client(server.spec, { maxPipeline: 1, maxQueue: 5, timeout: 2000 });
    try {
      server.pause(); // nothing is answered, so commands pile up behind the one in flight
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => client.get('q').then(() => 'ok', (e: unknown) => e)));
      // All ten are queued in the same tick, before the first write: five wait, five are refused.
      expect(outcomes.filter((o) => o instanceof MemcacheQueueFullError).length).toBe(5);
    } finally {
      server.resume();
      await client.close();
      await server.stop();
    }
  });

  it('after a refused connect, commands fail fast until the jittered backoff allows a new attempt', async () => {
    const port = await freePort();
    const client = new Client(`127.0.0.1:${port}`, { backoff: { initial: 400, max: 400 } });
    try {
      const first = await client.get('k').catch((e: unknown) => e);
      expect(first).toBeInstanceOf(MemcacheConnectionError);
      const second = await client.get('k').catch((e: unknown) => e);
      expect((second as Error).message).toMatch(/reconnecting to .* in \d+ ms/);
      expect((second as MemcacheConnectionError).cause).toBe(first);
      await new Promise((resolve) => setTimeout(resolve, 450));
      const third = await client.get('k').catch((e: unknown) => e);
      expect((third as Error).message).toMatch(/ECONNREFUSED/); // a real attempt again
    } finally {
      await client.close();
    }
  });
});

describe('reply size cap', () => {
  it('a declared value over maxResponseValueSize is refused before any buffer is allocated', async () => {
    const fake = await startFakeServer((socket) => socket.write('VALUE k 0 2000\r\n'));
    const client = new Client(fake.spec, { maxResponseValueSize: 1000, timeout: 1000 });
    try {
      await expect(client.get('k')).rejects.toBeInstanceOf(MemcacheUnknownError);
    } finally {
      await client.close();
      await fake.close();
    }
  });
});
