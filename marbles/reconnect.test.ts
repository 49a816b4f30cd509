import { NEVER, Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  Client,
  MemcacheConnectionError,
  MemcacheQueueFullError,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
  MemcacheUnknownCommandError,
  type Transport,
} from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// What a lost connection leaves behind, how fast the client comes back, and what it learns about the server.

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500 };

describe('after a connection is lost', () => {
  it('commands not yet written move to the next connection instead of failing', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        replies: () => NEVER,
        respond: (written, n) => (n === 1 ? serve({ b: 'B' })(written) : undefined),
      });
      const client = new Client(SERVER, { ...OPTIONS, maxPipeline: 1, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('1000ms #', undefined, new MemcacheTimeoutError(`no reply from ${SERVER} within 1000 ms`));
      // b waits behind a (pipeline of one) when the silent connection is dropped at 1000.
      expectObservable(client.get('b'), '500ms ^').toBe('1000ms (x|)', { x: 'B' });
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [1000, 1, 'get b\r\n'],
      ]);
    });
  });

  it('a server that accepts and closes at once (memcached at its connection limit) gets few connections, and the errors quote it', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold }) => {
      const fake = createFakeTransport({
        scheduler,
        replies: () => cold<Buffer>('-(e|)', { e: bytes('ERROR Too many open connections\r\n') }),
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const messages: string[] = [];
      let settled = 0;
      const issued = 400;
      for (let i = 0; i < issued; i++) {
        scheduler.schedule(() => {
          client.get('k').subscribe({ next: () => settled++, error: (e: Error) => (settled++, messages.push(e.message)) });
        }, i * 5);
      }
      scheduler.flush();
      expect(settled).toBe(issued);
      expect(messages).toHaveLength(issued);
      // 2 s of commands: one immediate retry, then a doubling, jittered backoff (25 ms … 2 s).
      expect(fake.connections.length).toBeGreaterThan(2);
      expect(fake.connections.length).toBeLessThanOrEqual(12);
      expect(messages.every((m) => m.includes('Too many open connections'))).toBe(true);
    });
  });
});

describe('a server without the mn meta no-op', () => {
  it('answering mn with ERROR: noreply runs stop carrying a sentinel on that connection, and noreplyErrors$ says so once', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const old = serve({ a: 'A' });
      const fake = createFakeTransport({
        scheduler,
        respond: (written) => {
          const reply = old(written);
          return typeof reply === 'string' ? reply.replaceAll('MN\r\n', 'ERROR\r\n') : reply;
        },
        respondAfter: 1,
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const notices: unknown[] = [];
      client.noreplyErrors$.subscribe((e) => notices.push(e));
      expectObservable(client.set('x', '1')).toBe('(t|)', { t: true });
      expectObservable(client.get('a')).toBe('-(x|)', { x: 'A' });
      expectObservable(client.set('y', '2'), '---^').toBe('---(t|)', { t: true });
      expectObservable(client.get('a'), '---^').toBe('----(x|)', { x: 'A' });
      scheduler.flush();
      expect(fake.written()).toEqual(['set x 16 0 1 noreply\r\n1\r\nmn\r\nget a\r\n', 'set y 16 0 1 noreply\r\n2\r\nget a\r\n']);
      expect(notices).toHaveLength(1);
      expect(notices[0]).toBeInstanceOf(MemcacheUnknownCommandError);
      expect((notices[0] as Error).message).toContain('noreplySentinel');
    });
  });
});

describe('the queue is bounded by bytes as well as by count', () => {
  it('a command that would take the waiting bytes over maxQueueBytes fails at once; smaller ones still queue', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, connectAfter: 'never' });
      const client = new Client(SERVER, { ...OPTIONS, maxQueueBytes: 200, timeout: 100, connect: () => fake.transport });
      const full = new MemcacheQueueFullError(`${'set big1 16 0 150 noreply\r\n'.length + 152} bytes already wait for ${SERVER} (maxQueueBytes 200)`);
      const timedOut = new MemcacheTimeoutError(`no reply from ${SERVER} within 100 ms`);
      expectObservable(client.set('big1', 'x'.repeat(150))).toBe('100ms #', undefined, timedOut);
      expectObservable(client.set('big2', 'x'.repeat(150))).toBe('#', undefined, full);
      expectObservable(client.get('small')).toBe('100ms #', undefined, timedOut);
      scheduler.flush();
    });
  });
});

describe('what a failed write and a close say', () => {
  it('a socket write that throws fails the noreply commands it carried instead of reporting them stored', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const transport: Transport = (connected) =>
        new Observable<Buffer>(() => {
          connected({
            write: () => {
              throw new Error('write EPIPE');
            },
            end: () => undefined,
          });
        });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => transport });
      const broken = new MemcacheConnectionError('writing to the socket failed: write EPIPE');
      expectObservable(client.set('a', 'x')).toBe('#', undefined, broken);
      expectObservable(client.get('b')).toBe('#', undefined, broken);
    });
  });

  it('the twemproxy hint appears only while the server has never answered an mn', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // Connection 0 closes with its first mn pending; connection 1 answers one mn, then closes with the next pending.
      const fake = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? cold<Buffer>('-|') : cold<Buffer>('---m-|', { m: bytes('MN\r\nEND\r\n') })),
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const hint =
        ' while the `mn` that follows noreply commands was pending (behind a proxy without meta commands, such as twemproxy, set noreplySentinel: false)';
      client.set('x', '1').subscribe();
      expectObservable(client.get('a')).toBe('-#', undefined, new MemcacheUnexpectedCloseError(`${SERVER} closed the connection${hint}`));
      scheduler.schedule(() => client.set('y', '1').subscribe(), 2);
      expectObservable(client.get('b'), '--^').toBe('-----(u|)', { u: undefined });
      scheduler.schedule(() => client.set('z', '1').subscribe(), 4);
      expectObservable(client.get('c'), '----^').toBe('-------#', undefined, new MemcacheUnexpectedCloseError(`${SERVER} closed the connection`));
      scheduler.flush();
    });
  });
});

describe('a connection that lived without answers', () => {
  it('one that stayed open for a whole connectTimeout proves the server works: its loss is retried at once, every time', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold }) => {
      // noreply writes without sentinels get no answers; each connection is closed after 600 ms (> connectTimeout).
      const fake = createFakeTransport({ scheduler, replies: () => cold<Buffer>('600ms |') });
      const client = new Client(SERVER, { ...OPTIONS, noreplySentinel: false, connect: () => fake.transport });
      const outcomes: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        scheduler.schedule(() => client.set(`k${i}`, 'v').subscribe({ next: (v) => outcomes.push(v), error: (e: Error) => outcomes.push(e.message) }), i * 700);
      }
      scheduler.flush();
      expect(outcomes).toEqual([true, true, true, true, true]);
      expect(fake.connections.map((c) => c.subscribedAt)).toEqual([0, 700, 1400, 2100, 2800]);
    });
  });
});
