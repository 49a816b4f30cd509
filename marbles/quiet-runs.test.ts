import { catchError, map, of, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Quiet meta commands (`q`) on one connection: the queue closes each run with `mn`, settles the silent
// ones when a later reply (or the `MN`) proves they succeeded, and never guesses whose an error line is
// (marbles/quiet-errors.test.ts: the lines it can attribute by position).
// A fake server, to answer exactly these bytes in virtual time.

const SERVER = '127.0.0.1:1';
const outcome = (o: Observable<unknown>): Observable<string> =>
  o.pipe(
    map((v) => JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : typeof x === 'bigint' ? String(x) : x))),
    catchError((e: Error) => of(e.name)),
  );
const opaqueOf = (line: string): string => / O(\w+)/.exec(line)?.[1] ?? '';

describe('quiet runs', () => {
  it('a run of quiet writes is closed by one mn; the silent ones succeed, the answered one says why', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        respond: (written) => {
          const lines = written.split('\r\n').filter((l) => l.startsWith('ms') || l === 'mn');
          // The second set is refused (NS, with its opaque); the others succeed silently.
          return lines.map((l, i) => (l === 'mn' ? 'MN\r\n' : i === 1 ? `NS O${opaqueOf(l)}\r\n` : '')).join('');
        },
      });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: '{"status":"stored","stored":true}' });
      expectObservable(outcome(client.metaSet('b', '2', { mode: 'add', quiet: true }))).toBe('(x|)', { x: '{"status":"not-stored","stored":false}' });
      expectObservable(outcome(client.metaSet('c', '3', { quiet: true }))).toBe('(x|)', { x: '{"status":"stored","stored":true}' });
      scheduler.flush();
      const written = fake.written().join('');
      expect(written.match(/^ms /gm)?.length).toBe(3);
      expect(written.endsWith('mn\r\n')).toBe(true);
      expect(written.match(/mn\r\n/g)?.length).toBe(1);
    });
  });

  it('a CLIENT_ERROR inside a quiet run (memcached may have read a data block as a command): the connection goes, everything in flight fails, the next command works', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({
        scheduler,
        respond: (written, n) =>
          n === 0 ? 'CLIENT_ERROR bad data chunk\r\nMN\r\n' : written.startsWith('version') ? 'VERSION 1.6.18\r\n' : undefined,
      });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: 'MemcacheUnknownError' });
      expectObservable(outcome(client.metaSet('b', '2', { quiet: true }))).toBe('(x|)', { x: 'MemcacheUnknownError' });
      expectObservable(outcome(client.version()), '1ms ^').toBe('1ms (v|)', { v: JSON.stringify({ [SERVER]: '1.6.18' }) });
      scheduler.flush();
      expect(fake.connections.length).toBe(2);
    });
  });

  it('a long quiet run is cut by a fence every 16 commands, and each part resolves with its own MN', () => {
    const scheduler = createTestScheduler();
    const resolvedAt: number[] = [];
    scheduler.run(() => {
      const fake = createFakeTransport({
        scheduler,
        respondAfter: 1,
        respond: (written) => {
          const fences = written.split('\r\n').filter((l) => l === 'mn').length;
          return Array.from({ length: fences }, () => 'MN\r\n');
        },
      });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      for (let i = 0; i < 40; i++) client.metaSet(`k${i}`, 'v', { quiet: true }).subscribe(() => resolvedAt.push(i));
      scheduler.flush();
      const written = fake.written().join('');
      expect(written.match(/^ms /gm)?.length).toBe(40);
      // 16 + 16 + 8 quiet sets, each part closed by its own mn.
      expect(written.split('\r\n').filter((l) => l.startsWith('ms') || l === 'mn').map((l) => (l === 'mn' ? '|' : '.')).join('')).toBe(
        `${'.'.repeat(16)}|${'.'.repeat(16)}|${'.'.repeat(8)}|`,
      );
    });
    expect(resolvedAt).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});
