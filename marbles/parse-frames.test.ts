import { catchError, of, type Observable } from 'rxjs';
import { describe, it } from 'vitest';
import { MemcacheConnectionError, MemcacheUnknownError, parseFrames, type Frame } from '../src/index.js';
import { bytes, createTestScheduler } from './helpers/observable-matcher.js';

// parseFrames() over chunk streams: frames come out in the frame (virtual time) their last byte arrives.

const value = (key: string, flags: number, data: string, cas?: string): Frame => ({
  kind: 'value',
  key,
  flags,
  cas,
  value: bytes(data),
});
const line = (text: string): Frame => ({ kind: 'line', line: bytes(text) });
const END: Frame = { kind: 'end' };

/** Marble values as Buffers: `chunks({ a: 'END\r\n' })`. */
function chunks(map: Record<string, string>): Record<string, Buffer> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, bytes(v)]));
}

const unparseable = (what: string, shown: string): MemcacheUnknownError =>
  new MemcacheUnknownError(`unparseable reply (${what}): ${JSON.stringify(shown)}`);

describe('parseFrames() over chunk streams', () => {
  it('a header line split between \\r and \\n yields the value and END when the rest arrives', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b---|', chunks({ a: 'VALUE k 0 5\r', b: '\nhello\r\nEND\r\n' }));
      expectObservable(source.pipe(parseFrames())).toBe('---(ve)|', { v: value('k', 0, 'hello'), e: END });
      expectSubscriptions(source.subscriptions).toBe('^------!');
    });
  });

  it('a data block containing CRLF, split inside the block and inside its terminator, arrives whole', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c---|', chunks({ a: 'VALUE k 16 7 99\r\nab\r', b: '\ncde\r', c: '\nEND\r\n' }));
      expectObservable(source.pipe(parseFrames())).toBe('-----(ve)|', { v: value('k', 16, 'ab\r\ncde', '99'), e: END });
    });
  });

  it('several frames in one chunk come out in one frame, in order; a word split over chunks waits', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold(
        '-a-----b|',
        chunks({ a: 'STORED\r\nNOT_FOUND\r\nSERVER_ERROR out of memory\r\nVA 2 f1\r\nhi\r\nEN', b: 'D\r\n' }),
      );
      const error: Frame = { kind: 'error', type: 'SERVER_ERROR', message: 'out of memory', line: bytes('SERVER_ERROR out of memory') };
      const block: Frame = { kind: 'block', header: bytes('VA 2 f1'), value: bytes('hi') };
      expectObservable(source.pipe(parseFrames())).toBe('-(snxk)e|', {
        s: line('STORED'),
        n: line('NOT_FOUND'),
        x: error,
        k: block,
        e: END,
      });
    });
  });

  it('a line without CRLF errors the stream with MemcacheUnknownError and unsubscribes the source', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', chunks({ a: 'END\r\n', b: 'HELLO\nWORLD\r\n', c: 'END\r\n' }));
      expectObservable(source.pipe(parseFrames())).toBe('-e-#', { e: END }, unparseable('line not terminated by CRLF', 'HELLO\n'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('a malformed VALUE header errors the stream; frames before it in the same chunk are still emitted', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('--a-|', chunks({ a: 'STORED\r\nVALUE k x 5\r\nhello\r\n' }));
      expectObservable(source.pipe(parseFrames())).toBe('--(s#)', { s: line('STORED') }, unparseable('non-digit in a numeric field', 'VALUE k x 5'));
    });
  });

  it('a data block longer than its declared size errors the stream', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b|', chunks({ a: 'VALUE k 0 2\r\nab', b: 'cd\r\nEND\r\n' }));
      expectObservable(source.pipe(parseFrames())).toBe('---#', undefined, unparseable('data block not terminated by CRLF', 'cd'));
    });
  });

  it('a source error passes through unchanged, dropping a partly received frame', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      const reset = new MemcacheConnectionError('connection to 127.0.0.1:1 failed: read ECONNRESET');
      const source = cold('-a-b-#', chunks({ a: 'END\r\n', b: 'VALUE k 0 5\r\nhel' }), reset);
      expectObservable(source.pipe(parseFrames())).toBe('-e---#', { e: END }, reset);
    });
  });

  it('unsubscribing early unsubscribes the source; nothing after it is emitted', () => {
    createTestScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', chunks({ a: 'END\r\n', b: 'VALUE k 0 5\r\nhel', c: 'lo\r\nEND\r\n' }));
      expectObservable(source.pipe(parseFrames()), '^----!').toBe('-e---', { e: END });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('each subscription has its own parser: two staggered subscribers both get whole frames', () => {
    createTestScheduler().run(({ hot, expectObservable }) => {
      const source = hot('-a-b----c|', chunks({ a: 'VALUE k 0 5\r\nhel', b: 'lo\r\nEND\r\nST', c: 'ORED\r\n' }));
      const frames$: Observable<Frame> = source.pipe(parseFrames());
      expectObservable(frames$).toBe('---(ve)-s|', { v: value('k', 0, 'hello'), e: END, s: line('STORED') });
      // Joining after the VALUE began, the late subscriber's parser reads the data tail "lo" as a line.
      expectObservable(frames$, '--^').toBe('---(le)-s|', { l: line('lo'), e: END, s: line('STORED') });
    });
  });
});

describe('parseFrames() line limit', () => {
  const limits = { maxValueLength: 1024, maxLineLength: 8 };
  /** true when the stream errored with MemcacheUnknownError, so the verdict is comparable across chunkings. */
  const verdict = (source: Observable<Buffer>): Observable<unknown> =>
    source.pipe(
      parseFrames(limits),
      catchError((error: unknown) => of(error instanceof MemcacheUnknownError ? 'garbage' : 'other error')),
    );

  it('a line of exactly maxLineLength bytes is accepted in one chunk', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(verdict(cold('-a|', chunks({ a: 'ABCDEFGH\r\n' })))).toBe('-l|', { l: line('ABCDEFGH') });
    });
  });

  it('a line of exactly maxLineLength bytes is accepted when its CRLF is split (same verdict as one chunk)', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(verdict(cold('-a-b|', chunks({ a: 'ABCDEFGH\r', b: '\n' })))).toBe('---l|', { l: line('ABCDEFGH') });
    });
  });

  it('a line over maxLineLength is garbage when it arrives in pieces', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(verdict(cold('-a-b|', chunks({ a: 'NOT_STORED_', b: 'AT_ALL\r\n' })))).toBe('-(g|)', { g: 'garbage' });
    });
  });

  it('a line over maxLineLength is garbage even when it arrives in one chunk (same verdict as in pieces)', () => {
    createTestScheduler().run(({ cold, expectObservable }) => {
      expectObservable(verdict(cold('-a-|', chunks({ a: 'NOT_STORED_AT_ALL\r\n' })))).toBe('-(g|)', { g: 'garbage' });
    });
  });
});
