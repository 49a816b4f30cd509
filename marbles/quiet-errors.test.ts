import { catchError, map, of, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client } from '../src/index.js';
import { createFakeTransport, type Reply } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// An error line inside a run of quiet commands names no command; the queue attributes it by position
// (replies come in order, a quiet command answers at most one line) once the next reply closes its
// window. A fake server, to send exactly the lines memcached 1.6.18 sends (test/integration/quiet-errors
// has the real one), in virtual time.

const SERVER = '127.0.0.1:1';
const TOO_LARGE = 'SERVER_ERROR object too large for cache\r\n';
const NO_MEMORY = 'SERVER_ERROR out of memory storing object\r\n';
const opaqueOf = (line: string): string => / O(\w+)/.exec(line)?.[1] ?? '';

/** Each command line of a write (`ms`, `mg`, `mn`, `version`), in order; data blocks left out. */
function commands(written: string): string[] {
  return written.split('\r\n').filter((l) => /^(ms|mg|md|mn|version) ?/.test(l));
}

/** A scripted server: `answer` says what each command line gets (`''`: nothing); `mn` gets `MN` by default. */
function scripted(answer: (line: string, index: number) => string | undefined): (written: string, connection: number) => Reply {
  return (written) => {
    const out = commands(written).map((line, i) => answer(line, i) ?? (line === 'mn' ? 'MN\r\n' : line.startsWith('version') ? 'VERSION 1.6.18\r\n' : ''));
    const text = out.join('');
    return text === '' ? undefined : text;
  };
}

const outcome = (o: Observable<unknown>): Observable<string> =>
  o.pipe(
    map((v) => JSON.stringify(v instanceof Map ? Object.fromEntries(v) : v)),
    catchError((e: Error) => of(`${e.name}: ${e.message}${e.cause instanceof Error ? ` (${e.cause.message})` : ''}`)),
  );

const stored = '{"status":"stored","stored":true}';
const tooLarge = 'MemcacheServerError: object too large for cache';

describe('an error line inside a quiet run', () => {
  it('followed directly by MN, with one quiet command in the run: that command fails, the connection stays', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: scripted((line) => (line.startsWith('ms') ? NO_MEMORY : undefined)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: 'MemcacheServerError: out of memory storing object' });
      expectObservable(outcome(client.version()), '1ms ^').toBe('1ms (v|)', { v: JSON.stringify({ [SERVER]: '1.6.18' }) });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });

  it('several candidates for one line: each fails with an error that says so, none is reported stored', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // The first ms is refused; the second succeeds silently; nothing tells them apart before the MN.
      const fake = createFakeTransport({ scheduler, respond: scripted((_line, i) => (i === 0 ? NO_MEMORY : undefined)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      const either = 'MemcacheServerError: 1 of 2 quiet commands in one run were refused with "SERVER_ERROR out of memory storing object", and the server\'s line names no command, so each of the 2 fails: this one may or may not have taken effect (out of memory storing object)';
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: either });
      expectObservable(outcome(client.metaSet('b', '2', { quiet: true }))).toBe('(x|)', { x: either });
      expectObservable(outcome(client.metaDelete('c', { quiet: true }))).toBe('(x|)', { x: '{"status":"deleted","deleted":true}' });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });

  it('as many lines as candidates: each candidate got one', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: scripted((line) => (line.startsWith('ms') ? NO_MEMORY : undefined)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: 'MemcacheServerError: out of memory storing object' });
      expectObservable(outcome(client.metaGet('g', { quiet: true }))).toBe('(x|)', { x: '{"key":"g","won":false,"stale":false,"alreadyWon":false,"hit":false}' });
      expectObservable(outcome(client.metaSet('b', '2', { quiet: true }))).toBe('(x|)', { x: 'MemcacheServerError: out of memory storing object' });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });

  it('"too large" goes to the largest item of the window: the small ones are stored', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: scripted((line) => (line.startsWith('ms big') ? TOO_LARGE : undefined)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: stored });
      expectObservable(outcome(client.metaSet('big', 'x'.repeat(5000), { quiet: true }))).toBe('(x|)', { x: tooLarge });
      expectObservable(outcome(client.metaSet('b', 'y'.repeat(4000), { quiet: true }))).toBe('(x|)', { x: stored });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });

  it('a later quiet reply closes the window: only the commands before it are candidates', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: scripted((line, i) => (i === 0 ? NO_MEMORY : i === 1 ? `NS O${opaqueOf(line)}\r\n` : undefined)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('(x|)', { x: 'MemcacheServerError: out of memory storing object' });
      expectObservable(outcome(client.metaSet('b', '2', { mode: 'add', quiet: true }))).toBe('(x|)', { x: '{"status":"not-stored","stored":false}' });
      expectObservable(outcome(client.metaSet('c', '3', { quiet: true }))).toBe('(x|)', { x: stored });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });

  it('a candidate unsubscribed before the window closed still counts: the line is its, the others succeed', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // The MN comes 5 ms after the write; the big set's subscriber leaves at 2 ms.
      const fake = createFakeTransport({ scheduler, respondAfter: 5, respond: scripted((line) => (line.startsWith('ms big') ? TOO_LARGE : undefined)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('big', 'x'.repeat(5000), { quiet: true })), '^-!').toBe('');
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true }))).toBe('-----(x|)', { x: stored });
      expectObservable(outcome(client.metaSet('b', 'y'.repeat(4000), { quiet: true }))).toBe('-----(x|)', { x: stored });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  });
});

describe('error lines that stay fatal', () => {
  const fatal = (answer: (line: string, i: number) => string | undefined, commands: (client: Client) => Array<Observable<unknown>>): void => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: (written, n) => (n === 0 ? scripted(answer)(written, n) : scripted(() => undefined)(written, n)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      for (const command of commands(client)) expectObservable(outcome(command).pipe(map((s) => s.split(':')[0]))).toBe('(x|)', { x: 'MemcacheUnknownError' });
      expectObservable(outcome(client.version()), '1ms ^').toBe('1ms (v|)', { v: JSON.stringify({ [SERVER]: '1.6.18' }) });
      scheduler.flush();
      expect(fake.connections.length).toBe(2);
    });
  };

  it('a line no quiet command in the run can have sent in step (quiet mg and md only)', () => {
    fatal((_line, i) => (i === 0 ? NO_MEMORY : undefined), (c) => [c.metaGet('a', { quiet: true }), c.metaDelete('b', { quiet: true })]);
  });

  it('a CLIENT_ERROR (memcached may read a refused data block as a command)', () => {
    fatal((_line, i) => (i === 0 ? 'CLIENT_ERROR bad data chunk\r\n' : undefined), (c) => [c.metaSet('a', '1', { quiet: true }), c.metaSet('b', '2', { quiet: true })]);
  });

  it('more lines than candidates', () => {
    fatal((line) => (line.startsWith('ms') ? NO_MEMORY + NO_MEMORY : undefined), (c) => [c.metaSet('a', '1', { quiet: true })]);
  });

  it('a line directly before the reply of the oldest quiet command (no candidate left)', () => {
    fatal((line, i) => (i === 0 ? `${NO_MEMORY}NS O${opaqueOf(line)}\r\n` : undefined), (c) => [c.metaSet('a', '1', { mode: 'add', quiet: true }), c.metaSet('b', '2', { quiet: true })]);
  });
});

describe('a frame that proves nothing', () => {
  it('quiet commands passed over by a reply nobody can read fail with the connection, never hang', () => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      // In place of the MN, a reply to no request: the silent ones were not proven to have succeeded.
      const fake = createFakeTransport({ scheduler, respond: (written, n) => (n === 0 ? 'HD Obogus\r\n' : scripted(() => undefined)(written, n)) });
      const client = new Client(SERVER, { protocol: 'text', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.metaSet('a', '1', { quiet: true })).pipe(map((s) => s.split(':')[0]))).toBe('(x|)', { x: 'MemcacheUnknownError' });
      expectObservable(outcome(client.metaSet('b', '2', { quiet: true })).pipe(map((s) => s.split(':')[0]))).toBe('(x|)', { x: 'MemcacheUnknownError' });
      scheduler.flush();
    });
  });
});

describe("a quiet batch (setMany on protocol: 'meta')", () => {
  const run = (answer: string, expected: string): void => {
    const scheduler = createTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const fake = createFakeTransport({ scheduler, respond: (written) => (written.includes('mn\r\n') ? `${answer}MN\r\n` : undefined) });
      const client = new Client(SERVER, { protocol: 'meta', scheduler, connect: () => fake.transport });
      expectObservable(outcome(client.setMany([['a', '1'], ['big', 'x'.repeat(3000)], ['c', '3']]))).toBe('(x|)', { x: expected });
      scheduler.flush();
      expect(fake.connections.length).toBe(1);
    });
  };

  it('"too large" is the largest item\'s: only its key is reported not stored', () => {
    run(TOO_LARGE, '["big"]');
  });

  it('"out of memory" with several candidates: every key that may not be stored is reported', () => {
    run(NO_MEMORY, '["a","big","c"]');
  });
});
