import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemcacheUnknownError } from '../src/errors.js';
import { frameBytes, type Frame } from '../src/protocol/frames.js';
import { ResponseParser, type ParserLimits } from '../src/protocol/parser.js';

/** A frame reduced to comparable plain data (Buffers as hex or latin1). */
type Norm =
  | { kind: 'value'; key: string; flags: number; cas: string | undefined; value: string; header: string }
  | { kind: 'block'; header: string; value: string }
  | { kind: 'end' }
  | { kind: 'error'; type: 'ERROR' | 'CLIENT_ERROR' | 'SERVER_ERROR'; message: string; line: string }
  | { kind: 'line'; line: string };

/** One reply of the model: the bytes a server sends and the frame they must parse to. */
interface Reply {
  readonly bytes: Buffer;
  readonly frame: Norm;
}

function normalize(frame: Frame): Norm {
  switch (frame.kind) {
    case 'value': {
      const { key, flags, cas } = frame;
      // The header as rawCommand rebuilds it: it must equal the bytes the server sent.
      const header = (frameBytes(frame)[0] as Buffer).toString('latin1').slice(0, -2);
      return { kind: 'value', key, flags, cas, value: frame.value.toString('hex'), header };
    }
    case 'block':
      return { kind: 'block', header: frame.header.toString('latin1'), value: frame.value.toString('hex') };
    case 'end':
      return { kind: 'end' };
    case 'error':
      return { kind: 'error', type: frame.type, message: frame.message, line: frame.line.toString('latin1') };
    case 'line':
      return { kind: 'line', line: frame.line.toString('latin1') };
  }
}

const text = (min: number, max: number, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min, max }).map((c) => String.fromCharCode(c)), minLength, maxLength });
const digits = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength });
const lineReply = (line: string, frame: Norm): Reply => ({ bytes: Buffer.from(`${line}\r\n`, 'latin1'), frame });

/** Data blocks biased towards the bytes that could confuse framing: CR, LF and whole protocol lines. */
const dataArb: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 255 }).map((b) => [b]) },
      { weight: 1, arbitrary: fc.constantFrom([13], [10], [13, 10], [...Buffer.from('\r\nEND\r\n')], [...Buffer.from('VALUE k 0 1\r\n')]) },
    ),
    { maxLength: 300, size: 'medium' },
  )
  .map((parts) => Buffer.from(parts.flat().slice(0, 300)));

const MAX_U64 = (1n << 64n) - 1n;
/** Any cas unique a server can send: up to 19 digits (leading zeros too), or any value up to 2^64-1. */
const casArb = fc.oneof(digits(19), fc.bigInt({ min: 0n, max: MAX_U64 }).map(String), fc.constant(String(MAX_U64)));

const valueReply: fc.Arbitrary<Reply> = fc
  .record({ key: text(0x21, 0x7e, 1, 40), flags: fc.integer({ min: 0, max: 0xffffffff }), cas: fc.option(casArb, { nil: undefined }), data: dataArb })
  .map(({ key, flags, cas, data }) => {
    const header = `VALUE ${key} ${flags} ${data.length}${cas === undefined ? '' : ` ${cas}`}`;
    return {
      bytes: Buffer.concat([Buffer.from(`${header}\r\n`, 'latin1'), data, Buffer.from('\r\n')]),
      frame: { kind: 'value', key, flags, cas, value: data.toString('hex'), header },
    };
  });

const metaFlag = fc.tuple(fc.constantFrom(...'bcfhklOqstTv'), text(0x21, 0x7e, 0, 12)).map(([f, v]) => f + v);
const blockReply: fc.Arbitrary<Reply> = fc.record({ flags: fc.array(metaFlag, { maxLength: 4 }), data: dataArb }).map(({ flags, data }) => {
  const header = `VA ${data.length}${flags.map((f) => ` ${f}`).join('')}`;
  return {
    bytes: Buffer.concat([Buffer.from(`${header}\r\n`, 'latin1'), data, Buffer.from('\r\n')]),
    frame: { kind: 'block', header, value: data.toString('hex') },
  };
});

const WORDS = ['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK', 'MN', 'HD', 'EN', 'NF', 'NS', 'EX'];
const errorReply: fc.Arbitrary<Reply> = fc
  .tuple(fc.constantFrom('ERROR', 'CLIENT_ERROR', 'SERVER_ERROR'), fc.option(fc.tuple(fc.constantFrom(' ', ':'), text(0x20, 0x7e, 0, 60)), { nil: undefined }))
  .map(([type, rest]) => {
    const line = rest === undefined ? type : `${type}${rest[0]}${rest[1]}`;
    const message = rest === undefined ? '' : rest[1].replace(/^ +/, '');
    return lineReply(line, { kind: 'error', type, message, line });
  });

const replyArb: fc.Arbitrary<Reply> = fc.oneof(
  { weight: 6, arbitrary: valueReply },
  { weight: 2, arbitrary: blockReply },
  { weight: 3, arbitrary: fc.constant(lineReply('END', { kind: 'end' })) },
  { weight: 3, arbitrary: fc.constantFrom(...WORDS).map((w) => lineReply(w, { kind: 'line', line: w })) },
  { weight: 2, arbitrary: digits(20).map((n) => lineReply(n, { kind: 'line', line: n })) },
  {
    weight: 2,
    arbitrary: fc.tuple(text(0x21, 0x7e, 1, 30), text(0x20, 0x7e, 0, 40)).map(([n, v]) => {
      const line = `STAT ${n} ${v}`;
      return lineReply(line, { kind: 'line', line });
    }),
  },
  { weight: 1, arbitrary: fc.nat(99).map((x) => lineReply(`VERSION 1.6.${x}`, { kind: 'line', line: `VERSION 1.6.${x}` })) },
  { weight: 3, arbitrary: errorReply },
);

/** Copies each slice, as a socket hands out fresh buffers. */
function cut(bytes: Buffer, at: readonly number[]): Buffer[] {
  const points = [...new Set(at)].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(from, p)));
    from = p;
  }
  return chunks.filter((c) => c.length > 0);
}

/**
 * Feeds every chunk through one reused buffer, as the socket transport does, and scribbles over it
 * after each `feed`: a frame still pointing into a chunk would then come out changed.
 */
function parseAll(chunks: readonly Buffer[], limits?: ParserLimits): { frames: Norm[]; buffered: number } {
  const parser = new ResponseParser(limits);
  const frames: Frame[] = [];
  const reused = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    chunk.copy(reused);
    parser.feed(reused.subarray(0, chunk.length), (f) => frames.push(f));
    reused.fill(0x7e);
  }
  // Normalized only now: frames handed out earlier must not have been overwritten by later chunks.
  return { frames: frames.map(normalize), buffered: parser.buffered };
}

const expectUnknownError = (error: unknown): void => {
  expect(error).toBeInstanceOf(MemcacheUnknownError);
  expect((error as MemcacheUnknownError).code).toBe('MEMCACHE_UNKNOWN_ERROR');
};

describe('ResponseParser properties', () => {
  it('parses any valid reply stream, cut anywhere, into exactly the model frames', () => {
    const arb = fc.array(replyArb, { minLength: 1, maxLength: 15, size: 'medium' }).chain((replies) => {
      const length = replies.reduce((n, r) => n + r.bytes.length, 0);
      return fc.tuple(fc.constant(replies), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, length - 1) }), { maxLength: 40 }));
    });
    fc.assert(
      fc.property(arb, ([replies, cuts]) => {
        const bytes = Buffer.concat(replies.map((r) => r.bytes));
        const expected = replies.map((r) => r.frame);
        const crlfCuts: number[] = [];
        for (let i = 1; i < bytes.length; i++) if (bytes[i - 1] === 13 && bytes[i] === 10) crlfCuts.push(i);
        const ways = {
          whole: [bytes],
          random: cut(bytes, cuts),
          singleBytes: cut(bytes, Array.from({ length: bytes.length }, (_, i) => i)),
          betweenCrAndLf: cut(bytes, crlfCuts),
        };
        for (const chunks of Object.values(ways)) {
          expect(Buffer.concat(chunks).equals(bytes)).toBe(true);
          expect(parseAll(chunks)).toEqual({ frames: expected, buffered: 0 });
        }
      }),
      { numRuns: 400 },
    );
  });

  const soupToken = fc.oneof(
    fc.uint8Array({ maxLength: 8 }),
    fc.constantFrom('VALUE ', 'VA ', 'END', 'ERROR', 'CLIENT_ERROR ', '\r\n', '\r', '\n', ' ', '0', '5', '99', '4096', 'k').map((s) => Buffer.from(s)),
  );
  const soups = fc.oneof(
    fc.tuple(fc.uint8Array({ maxLength: 2000 }), fc.constant<ParserLimits | undefined>(undefined)),
    // Protocol-shaped soup; small limits so declared lengths cannot make the test allocate much.
    fc.tuple(
      fc.array(soupToken, { maxLength: 300 }).map((ts) => Uint8Array.from(Buffer.concat(ts).subarray(0, 2000))),
      fc.constant<ParserLimits | undefined>({ maxValueLength: 5000, maxLineLength: 1000 }),
    ),
  );

  it('on byte soup either yields frames or throws MemcacheUnknownError, and always returns', () => {
    const arb = soups.chain(([soup, limits]) =>
      fc.tuple(fc.constant(soup), fc.constant(limits), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, soup.length - 1) }), { maxLength: 30 })),
    );
    fc.assert(
      fc.property(arb, ([soup, limits, cuts]) => {
        const chunks = cut(Buffer.from(soup), cuts);
        try {
          parseAll(chunks, limits);
        } catch (error) {
          expectUnknownError(error);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('ResponseParser limits', () => {
  const small: ParserLimits = { maxValueLength: 100, maxLineLength: 1000 };
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each([
    ['VALUE above maxValueLength', 'VALUE k 0 101\r\n'],
    ['VALUE with a huge length', 'VALUE k 0 99999999999999999999\r\nabc'],
    ['VA above maxValueLength', 'VA 101 f1\r\n'],
  ])('%s throws before allocating', (_name, header) => {
    const parser = new ResponseParser(small);
    const chunks = cut(Buffer.from(header, 'latin1'), [1, 7, 12]);
    const alloc = vi.spyOn(Buffer, 'allocUnsafe');
    const slow = vi.spyOn(Buffer, 'allocUnsafeSlow');
    expect(() => {
      for (const chunk of chunks) parser.feed(chunk, () => undefined);
    }).toThrow(MemcacheUnknownError);
    // Partial header lines may be buffered; nothing the size of the declared value is ever allocated.
    const sizes = [...alloc.mock.calls, ...slow.mock.calls].map(([size]) => size);
    expect(sizes.filter((size) => size > header.length)).toEqual([]);
  });

  it('accepts a value of exactly maxValueLength', () => {
    const data = Buffer.alloc(100, 0x0d);
    const frames = parseAll(cut(Buffer.concat([Buffer.from('VALUE k 1 100\r\n'), data, Buffer.from('\r\nEND\r\n')]), [3, 20, 50]), small);
    expect(frames.frames).toEqual([
      { kind: 'value', key: 'k', flags: 1, cas: undefined, value: data.toString('hex'), header: 'VALUE k 1 100' },
      { kind: 'end' },
    ]);
  });

  it('throws on a line longer than maxLineLength without CRLF, not before', () => {
    const parser = new ResponseParser(small);
    parser.feed(Buffer.alloc(600, 0x41), () => undefined);
    parser.feed(Buffer.alloc(400, 0x41), () => undefined);
    expect(parser.buffered).toBe(1000);
    try {
      parser.feed(Buffer.alloc(1, 0x41), () => undefined);
      expect.unreachable('a 1001-byte line must be rejected');
    } catch (error) {
      expectUnknownError(error);
    }
    expect(() => new ResponseParser(small).feed(Buffer.alloc(5000, 0x41), () => undefined)).toThrow(MemcacheUnknownError);
  });
});

describe('ResponseParser cas uniques', () => {
  // memcached's cas unique is a uint64_t; a longer token is not one a server can accept back.
  it.each([
    ['21 digits', `VALUE k 0 1 ${'1'.repeat(21)}`],
    ['2^64', `VALUE k 0 1 ${MAX_U64 + 1n}`],
    ['20 nines', `VALUE k 0 1 ${'9'.repeat(20)}`],
    ['2^64-1 with a leading zero', `VALUE k 0 1 0${MAX_U64}`],
  ])('a cas of %s is a protocol error, cut anywhere', (_name, header) => {
    const bytes = Buffer.from(`${header}\r\nx\r\nEND\r\n`, 'latin1');
    for (const chunks of [[bytes], cut(bytes, [5, 14, 20]), cut(bytes, Array.from({ length: bytes.length }, (_, i) => i))]) {
      try {
        parseAll(chunks);
        expect.unreachable(`${header} must be refused`);
      } catch (error) {
        expectUnknownError(error);
        expect((error as Error).message).toContain('cas unique above 2^64-1');
      }
    }
  });

  it('accepts 2^64-1, the largest cas unique', () => {
    const bytes = Buffer.from(`VALUE k 0 1 ${MAX_U64}\r\nx\r\nEND\r\n`, 'latin1');
    expect(parseAll([bytes]).frames[0]).toMatchObject({ kind: 'value', cas: '18446744073709551615' });
  });
});

describe('ResponseParser values', () => {
  it('returns a 1 MB value delivered in 64 KB chunks byte for byte', () => {
    const data = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 8)) & 0xff;
    const stream = Buffer.concat([Buffer.from(`VALUE big 7 ${data.length} 42\r\n`), data, Buffer.from('\r\nEND\r\n')]);
    const parser = new ResponseParser();
    const frames: Frame[] = [];
    for (let at = 0; at < stream.length; at += 64 * 1024) {
      parser.feed(Buffer.from(stream.subarray(at, at + 64 * 1024)), (f) => frames.push(f));
    }
    expect(frames.map((f) => f.kind)).toEqual(['value', 'end']);
    const frame = frames[0];
    if (frame?.kind !== 'value') throw new Error('expected a value frame');
    expect(frame).toMatchObject({ key: 'big', flags: 7, cas: '42' });
    expect(frame.value.length).toBe(data.length);
    expect(Buffer.compare(frame.value, data)).toBe(0);
    expect(parser.buffered).toBe(0);
  });

  it('copies every byte at most once, whatever shares a read with the start of a large value', () => {
    // Small frames before the large value's header in the first read, one reused read buffer.
    const small = Buffer.from('STAT a 1\r\nVALUE s 0 3\r\nabc\r\nEND\r\n');
    const data = Buffer.alloc(300_000, 0x5a);
    const stream = Buffer.concat([small, Buffer.from(`VALUE big 0 ${data.length}\r\n`), data, Buffer.from('\r\nEND\r\n')]);
    const parser = new ResponseParser();
    const frames: Frame[] = [];
    const copied = vi.spyOn(Buffer.prototype, 'copy');
    const reused = Buffer.alloc(16 * 1024);
    for (let at = 0; at < stream.length; at += reused.length) {
      const n = stream.copy(reused, 0, at, at + reused.length);
      parser.feed(reused.subarray(0, n), (f) => frames.push(f));
    }
    // The parser's copies only (the test's own fill of `reused` excluded).
    const bytesCopied = copied.mock.calls
      .filter(([target]) => target !== reused)
      .reduce((sum, [, , from, to]) => sum + (Number(to) - Number(from)), 0);
    expect(frames.map((f) => f.kind)).toEqual(['line', 'value', 'end', 'value', 'end']);
    expect(Buffer.compare((frames[3] as { value: Buffer }).value, data)).toBe(0);
    // The value once, plus the small frames and at most a line of framing: not the value again per read.
    expect(bytesCopied).toBeLessThanOrEqual(stream.length);
  });
});
