import { NEVER, catchError, distinctUntilChanged, map, of, throwError, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { HashClient, type Endpoint, type Hasher } from '../src/index.js';
import { createFakeTransport, type FakeTransport } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// The server lifecycle (up → failing → dead → probe → up) and the ring, in virtual time.
const A = '10.0.0.1:11211';
const B = '10.0.0.2:11211';
// Keys name their server ('A|x'); a dead one's keys fall to the first live server.
const pinned: Hasher = (nodes) => ({
  nodeFor: (key) => {
    const wanted = String(key).startsWith('A|') ? A : B;
    return nodes.find((n) => n.name === wanted)?.name ?? nodes[0]?.name;
  },
});
const LIFECYCLE = { protocol: 'text' as const, retryAttempts: 2, retryTimeout: 1000, deadTimeout: 5000, timeout: 500, connectTimeout: 500 };
const refused = (): Observable<Buffer> => throwError(() => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
const outcome = (o: Observable<unknown>): Observable<string> =>
  o.pipe(
    map((v) => `value:${String(v)}`),
    catchError((e: Error) => of(e.name)),
  );

function cluster(scheduler: ReturnType<typeof createTestScheduler>, aUpFrom: number): { client: HashClient; a: FakeTransport } {
  // Server A refuses its first `aUpFrom` connections, then answers version and gets.
  const a = createFakeTransport({
    scheduler,
    replies: (n) => (n < aUpFrom ? refused() : NEVER),
    respond: (written) => (written.startsWith('version') ? 'VERSION 1.6.18\r\n' : written.startsWith('get') ? 'END\r\n' : undefined),
  });
  const b = createFakeTransport({ scheduler, respond: () => 'END\r\n' });
  const connect = (e: Endpoint) => (e.kind === 'tcp' && e.host === '10.0.0.1' ? a.transport : b.transport);
  return { client: new HashClient([A, B], { ...LIFECYCLE, hasher: pinned, scheduler, connect }), a };
}

describe('HashClient server lifecycle', () => {
  it('failing after a refusal, fast-fails within retryTimeout, dead after retryAttempts, probed back after deadTimeout', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, a } = cluster(scheduler, 2);
      const stateOfA = client.health$.pipe(map((all) => all.get(A)?.state), distinctUntilChanged());
      expectObservable(stateOfA, '^ 7000ms !').toBe('(uf) 1096ms d 4999ms u', { u: 'up', f: 'failing', d: 'dead' });
      const servers = client.ring$.pipe(map((ring) => ring.servers));
      expectObservable(servers, '^ 7000ms !').toBe('x 1099ms y 4999ms x', { x: [A, B], y: [B] });
      // t=0 refused; t=100 fails fast with no connection attempt; t=1100 tries again, refused: dead.
      expectObservable(outcome(client.get('A|k')), '^').toBe('(x|)', { x: 'MemcacheConnectionError' });
      expectObservable(outcome(client.get('A|k')), '100ms ^').toBe('100ms (x|)', { x: 'MemcacheConnectionError' });
      expectObservable(outcome(client.get('A|k')), '1100ms ^').toBe('1100ms (x|)', { x: 'MemcacheConnectionError' });
      // While A is dead its keys go to B, which answers.
      expectObservable(outcome(client.get('A|k')), '2000ms ^').toBe('2000ms (x|)', { x: 'value:undefined' });
      scheduler.flush();
      // Two refused attempts and the probe: the fast-failed command never opened a connection.
      expect(a.connections.map((c) => c.subscribedAt)).toEqual([0, 1100, 6100]);
      expect(a.written()).toEqual(['version\r\n']);
    });
  });

  it('a failed probe keeps the server dead and probes again after another deadTimeout', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client, a } = cluster(scheduler, 3);
      const stateOfA = client.health$.pipe(map((all) => all.get(A)?.state), distinctUntilChanged());
      expectObservable(stateOfA, '^ 12000ms !').toBe('(uf) 1096ms d 9999ms u', { u: 'up', f: 'failing', d: 'dead' });
      expectObservable(outcome(client.get('A|k')), '^').toBe('(x|)', { x: 'MemcacheConnectionError' });
      expectObservable(outcome(client.get('A|k')), '1100ms ^').toBe('1100ms (x|)', { x: 'MemcacheConnectionError' });
      // Each failed probe re-reports dead, still since the moment it died (not since the probe).
      const deadSince: number[] = [];
      client.health$.subscribe((all) => {
        const h = all.get(A);
        if (h?.state === 'dead') deadSince.push(h.since);
      });
      scheduler.flush();
      expect(a.connections.map((c) => c.subscribedAt)).toEqual([0, 1100, 6100, 11100]);
      expect(deadSince.length).toBeGreaterThan(1);
      expect(new Set(deadSince)).toEqual(new Set([1100]));
    });
  });

  it('a success while failing brings the server straight back up', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const { client } = cluster(scheduler, 1);
      const stateOfA = client.health$.pipe(map((all) => all.get(A)?.state), distinctUntilChanged());
      expectObservable(stateOfA, '^ 3000ms !').toBe('(uf) 1096ms u', { u: 'up', f: 'failing' });
      expectObservable(outcome(client.get('A|k')), '^').toBe('(x|)', { x: 'MemcacheConnectionError' });
      expectObservable(outcome(client.get('A|k')), '1100ms ^').toBe('1100ms (x|)', { x: 'value:undefined' });
    });
  });
});

describe('a server health follows its connection', () => {
  it("an idle connection the server closes leaves the server up, and the next command reconnects at once", () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // A's first connection answers, then is closed by the server at 100 ms (an idle timeout); later
      // connections stay open.
      const a = createFakeTransport({
        scheduler,
        replies: (n) => (n === 0 ? cold<Buffer>('100ms |') : NEVER),
        respond: (written) => (written.startsWith('get') ? 'END\r\n' : undefined),
      });
      const b = createFakeTransport({ scheduler, respond: () => 'END\r\n' });
      const connect = (e: Endpoint) => (e.kind === 'tcp' && e.host === '10.0.0.1' ? a.transport : b.transport);
      const client = new HashClient([A, B], { ...LIFECYCLE, hasher: pinned, scheduler, connect });
      const stateOfA = client.health$.pipe(map((all) => all.get(A)?.state), distinctUntilChanged());
      expectObservable(stateOfA, '^ 1000ms !').toBe('u', { u: 'up' });
      expectObservable(outcome(client.get('A|k'))).toBe('(x|)', { x: 'value:undefined' });
      expectObservable(outcome(client.get('A|k')), '200ms ^').toBe('200ms (x|)', { x: 'value:undefined' });
      scheduler.flush();
      expect(a.connections.map((c) => c.subscribedAt)).toEqual([0, 200]);
    });
  });

  it('a connection dropped with a command in flight marks the server failing', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      // A accepts the get, then resets the connection before answering it.
      const a = createFakeTransport({ scheduler, replies: () => cold<Buffer>('50ms #', undefined, Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })) });
      const b = createFakeTransport({ scheduler, respond: () => 'END\r\n' });
      const connect = (e: Endpoint) => (e.kind === 'tcp' && e.host === '10.0.0.1' ? a.transport : b.transport);
      const client = new HashClient([A, B], { ...LIFECYCLE, hasher: pinned, scheduler, connect });
      const stateOfA = client.health$.pipe(map((all) => all.get(A)?.state), distinctUntilChanged());
      expectObservable(stateOfA, '^ 1000ms !').toBe('u 49ms f', { u: 'up', f: 'failing' });
      expectObservable(outcome(client.get('A|k'))).toBe('50ms (x|)', { x: 'MemcacheConnectionError' });
    });
  });
});
