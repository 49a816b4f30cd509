import { concatMap, from, map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client } from '../src/index.js';
import { createFakeTransport, serve } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Commands issued from inside another command's subscriber: bytes leave in subscription order and
// every reply reaches its own command, at any nesting depth, without the stack growing with it.

const SERVER = '127.0.0.1:1';
const OPTIONS = { protocol: 'text' as const, timeout: 1000, connectTimeout: 500 };
const big = (c: string): string => c.repeat(20_000);

describe('re-entrant commands', () => {
  it('concatMap of large noreply sets writes them in order, each settling after its own bytes are out', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // A fresh client: the first set waits for the connection, so the tick's flush takes it.
      const fake = createFakeTransport({ scheduler, respond: serve({}), connectAfter: 1 });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const sets = from(['a', 'b', 'c']).pipe(
        concatMap((v) => client.set('k', big(v)).pipe(map(() => v))),
      );
      expectObservable(sets).toBe('-(abc|)');
      scheduler.flush();
      const order = fake.written().join('').match(/set k \d+ 0 20000 noreply\r\n(.)/g)?.map((s) => s.slice(-1));
      expect(order).toEqual(['a', 'b', 'c']);
    });
  });

  it('a large add issued from a noreply set subscriber goes after the earlier add, and each add gets its own reply', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // The scripted server answers each add by whether its key is `exists`.
      const fake = createFakeTransport({
        scheduler,
        respond: (written) => {
          const out = [...written.matchAll(/^(add (\S+) .*|mn)\r\n/gm)].map((m) =>
            m[1] === 'mn' ? 'MN\r\n' : m[2] === 'exists' ? 'NOT_STORED\r\n' : 'STORED\r\n',
          );
          return out.length > 0 ? out.join('') : undefined;
        },
        respondAfter: 1,
      });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const results: Array<[string, boolean]> = [];
      client.add('exists', 'x', { noreply: false }).subscribe((v) => results.push(['exists', v]));
      client.set('n', 'v').subscribe(() => {
        client.add('fresh', big('B'), { noreply: false }).subscribe((v) => results.push(['fresh', v]));
      });
      scheduler.flush();
      expect(results).toEqual([
        ['exists', false],
        ['fresh', true],
      ]);
      const lines = fake.written().join('').split('\r\n').filter((l) => /^(add|set|mn)/.test(l));
      expect(lines).toEqual(['add exists 16 0 1', 'set n 16 0 1 noreply', 'mn', 'add fresh 16 0 20000']);
      void expectObservable;
    });
  });

  it('3,000 nested large noreply sets: all written in order, all settled, and the connection still answers', () => {
    const scheduler = createTestScheduler();
    scheduler.run(() => {
      const fake = createFakeTransport({ scheduler, respond: serve({ last: 'L' }) });
      const client = new Client(SERVER, { ...OPTIONS, connect: () => fake.transport });
      const N = 3000;
      let settled = 0;
      let failure: unknown;
      const step = (i: number): void => {
        if (i === N) return;
        client.set(`k${i}`, big('x')).subscribe({
          next: () => {
            settled++;
            step(i + 1);
          },
          error: (e: unknown) => (failure = e),
        });
      };
      step(0);
      let last: unknown;
      scheduler.schedule(() => client.get('last').subscribe((v) => (last = v)), 5);
      scheduler.flush();
      expect(failure).toBeUndefined();
      expect(settled).toBe(N);
      const keys = [...fake.written().join('').matchAll(/^set (k\d+) /gm)].map((m) => m[1]);
      expect(keys).toEqual(Array.from({ length: N }, (_, i) => `k${i}`));
      expect(last).toBe('L');
    });
  });
});
