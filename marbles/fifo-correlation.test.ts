import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client, MemcacheUnknownError } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// Replies come back in request order; each frame goes to the oldest command still waiting for one.

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500 };

function chunks(map: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, bytes(v)]));
}

describe('FIFO correlation of pipelined gets', () => {
  it('three gets subscribed in one frame get their own values, however the replies are chunked', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const replies = cold(
        '-----abcde',
        chunks({
          a: 'VALUE a 16 2\r\nA',
          b: 'a\r\nEND\r\nVAL',
          c: 'UE b 16 4\r\nB\r\nb\r',
          d: '\nEND\r\nEND\r',
          e: '\n',
        }),
      );
      const fake = createFakeTransport({ scheduler, replies });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('------(x|)', { x: 'Aa' });
      expectObservable(client.get('b')).toBe('--------(x|)', { x: 'B\r\nb' });
      expectObservable(client.get('c', null)).toBe('---------(x|)', { x: null });
      expectSubscriptions(replies.subscriptions).toBe('^');
      scheduler.flush();
      expect(fake.writes).toEqual([{ time: 0, connection: 0, data: 'get a\r\nget b\r\nget c\r\n' }]);
    });
  });

  it('every reply arriving in one chunk settles every command in that frame, in order', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable }) => {
      const replies = cold('--r', chunks({ r: 'END\r\nVALUE b 0 1\r\n2\r\nEND\r\nVALUE c 16 1\r\n3\r\nEND\r\n' }));
      const client = new Client(SERVER, { ...OPTIONS, connect: () => createFakeTransport({ scheduler, replies }).transport });
      const order: string[] = [];
      const track = (key: string) => map((value: unknown) => {
        order.push(key);
        return value;
      });
      expectObservable(client.get('a', 'miss').pipe(track('a'))).toBe('--(x|)', { x: 'miss' });
      // flags 0: the default serde returns the raw bytes
      expectObservable(client.get('b').pipe(track('b'))).toBe('--(x|)', { x: bytes('2') });
      expectObservable(client.get('c').pipe(track('c'))).toBe('--(x|)', { x: '3' });
      scheduler.flush();
      expect(order).toEqual(['a', 'b', 'c']);
    });
  });

  it('a VALUE for a key nobody asked for errors every in-flight command and drops the connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const replies = cold('------r', chunks({ r: 'VALUE zzz 16 1\r\nz\r\nEND\r\n' }));
      const fake = createFakeTransport({ scheduler, replies });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const desync = new MemcacheUnknownError('get received a value for a key it did not ask for: "zzz"');
      expectObservable(client.health$.pipe(map((h) => h.state)), '^-------!').toBe('(icu)-d', { i: 'idle', d: 'down', c: 'connecting', u: 'up' });
      expectObservable(client.get('a')).toBe('------#', undefined, desync);
      expectObservable(client.get('b')).toBe('------#', undefined, desync);
      expectObservable(client.get('c')).toBe('------#', undefined, desync);
      expectSubscriptions(replies.subscriptions).toBe('^-----!');
    });
  });

  it('a VALUE for a key another command asked for is still a desync: the first get keeps its value, the rest fail', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const replies = cold(
        '--a--b',
        chunks({ a: 'VALUE a 16 1\r\n1\r\nEND\r\n', b: 'VALUE a 16 1\r\n1\r\nEND\r\n' }),
      );
      const client = new Client(SERVER, { ...OPTIONS, connect: () => createFakeTransport({ scheduler, replies }).transport });
      const desync = new MemcacheUnknownError('get received a value for a key it did not ask for: "a"');
      expectObservable(client.get('a')).toBe('--(x|)', { x: '1' });
      expectObservable(client.get('b')).toBe('-----#', undefined, desync);
      expectObservable(client.get('c')).toBe('-----#', undefined, desync);
      expectSubscriptions(replies.subscriptions).toBe('^----!');
    });
  });

  it('after a desync the next command reconnects and is answered on the new connection', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ cold, expectObservable, expectSubscriptions }) => {
      const first = cold('--r', chunks({ r: 'VALUE zzz 16 1\r\nz\r\nEND\r\n' }));
      const second = cold('--r', chunks({ r: 'VALUE b 16 3\r\nbbb\r\nEND\r\n' }));
      const fake = createFakeTransport({ scheduler, replies: (n) => (n === 0 ? first : second) });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      expectObservable(client.get('a')).toBe('--#', undefined, new MemcacheUnknownError('get received a value for a key it did not ask for: "zzz"'));
      expectObservable(client.get('b'), '----------^').toBe('------------(x|)', { x: 'bbb' });
      expectSubscriptions(first.subscriptions).toBe('^-!');
      expectSubscriptions(second.subscriptions).toBe('----------^');
      scheduler.flush();
      expect(fake.writes.map((w) => [w.time, w.connection, w.data])).toEqual([
        [0, 0, 'get a\r\n'],
        [10, 1, 'get b\r\n'],
      ]);
    });
  });
});
