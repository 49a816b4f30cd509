import { NEVER, catchError, map, of, throwError, type Observable, type TeardownLogic } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, HashClient, MemcacheClient, MemcacheClosedError, MemcacheClusterError, MemcacheConnectionError, MemcacheNoServersError, MemcacheQueueFullError, type Call, type Codec, type Sink, WrappingExecutor } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// An executor tells a sink `unsent()` exactly when a command failed before any byte of it was written,
// so a retry can tell a write that never left from one the server may have carried out.

const SERVER = '127.0.0.1:1';

/** A wrapper executor, composed as users compose theirs: it records which failures were unsent. */
class Recording extends WrappingExecutor {
  readonly unsent: string[] = [];
  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic {
    return this.inner.execute(call, { ...sink, next: (v) => sink.next(v), error: (e) => sink.error(e), complete: () => sink.complete(), unsent: () => this.unsent.push(call.info.name) });
  }
  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic {
    return this.inner.broadcast(call, { next: (v) => sink.next(v), error: (e) => sink.error(e), complete: () => sink.complete(), unsent: () => this.unsent.push(call.info.name) });
  }
}

class Probe extends MemcacheClient {
  readonly codec: Codec<string | Uint8Array>;
  readonly executor: Recording;
  constructor(inner: MemcacheClient) {
    super();
    this.codec = inner.codec;
    this.executor = new Recording(inner.executor);
  }
}

const outcome = (o: Observable<unknown>): Observable<string> =>
  o.pipe(
    map((v) => `value:${String(v)}`),
    catchError((e: Error) => of(e.name)),
  );
const refused = () => throwError(() => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

describe('Sink.unsent', () => {
  it('is told for a refused connection, and for commands refused during the backoff that follows', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, replies: refused });
      const probe = new Probe(new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport, backoff: { initial: 1000, max: 1000 } }));
      expectObservable(outcome(probe.set('a', 'x', { noreply: false }))).toBe('(x|)', { x: 'MemcacheConnectionError' });
      expectObservable(outcome(probe.incr('n', 1)), '10ms ^').toBe('10ms (x|)', { x: 'MemcacheConnectionError' });
      scheduler.flush();
      expect(probe.executor.unsent).toEqual(['set', 'incr']);
    });
  });

  it('is not told for a command written to a server that then went silent', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, replies: () => NEVER });
      const probe = new Probe(new Client(SERVER, { protocol: 'text', scheduler, timeout: 100, connect: () => fake.transport }));
      expectObservable(outcome(probe.incr('n', 1))).toBe('100ms (x|)', { x: 'MemcacheTimeoutError' });
      scheduler.flush();
      expect(fake.written()).toEqual(['incr n 1\r\n']);
      expect(probe.executor.unsent).toEqual([]);
    });
  });

  it('is told for commands refused by a full queue and after close, not for one written before destroy', async () => {
    const scheduler = createTestScheduler();
    const fake = createFakeTransport({ scheduler, replies: () => NEVER });
    const probe = new Probe(new Client(SERVER, { protocol: 'text', scheduler, maxPipeline: 1, maxQueue: 1, connect: () => fake.transport }));
    probe.get('a').subscribe({ error: () => undefined });
    probe.get('b').subscribe({ error: () => undefined });
    expect(await probe.get('c').catch((e: unknown) => e)).toBeInstanceOf(MemcacheQueueFullError);
    probe.destroy();
    expect(await probe.get('d').catch((e: unknown) => e)).toBeInstanceOf(MemcacheClosedError);
    // b and c were refused by the full queue, d by the closed client; a had been written when destroyed.
    expect(fake.written()).toEqual(['get a\r\n']);
    expect(probe.executor.unsent).toEqual(['get', 'get', 'get']);
  });

  it('is told by a HashClient for a command it could route nowhere, and after close', async () => {
    const scheduler = createTestScheduler();
    const fake = createFakeTransport({ scheduler, replies: refused });
    // One server, dead after its first refused connection: nothing is left to route to.
    const cluster = new HashClient([SERVER], { protocol: 'text', scheduler, connect: () => fake.transport, retryAttempts: 1 });
    const probe = new Probe(cluster);
    expect(await probe.incr('n', 1).catch((e: unknown) => e)).toBeInstanceOf(MemcacheConnectionError);
    expect(await probe.rawCommand('version').catch((e: unknown) => e)).toBeInstanceOf(MemcacheNoServersError);
    expect(await probe.setMany([['a', 'x']]).catch((e: unknown) => e)).toBeInstanceOf(MemcacheClusterError);
    await probe.close();
    expect(await probe.flushAll().catch((e: unknown) => e)).toBeInstanceOf(MemcacheClosedError);
    expect(probe.executor.unsent).toEqual(['incr', 'raw', 'flush_all']);
  });
});
