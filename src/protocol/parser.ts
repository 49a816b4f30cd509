import { MemcacheUnknownError } from '../errors.js';
import { END_FRAME, type Frame } from './frames.js';

/** Limits that bound what a server can make this client allocate. */
export interface ParserLimits {
  /** Largest data block a `VALUE`/`VA` header may declare; checked before any buffer is allocated. */
  readonly maxValueLength: number;
  /** Longest line (without data) accepted before the stream is declared garbage. */
  readonly maxLineLength: number;
}

/** Defaults: memcached's item size ceiling is 1 GiB (`-I`), its lines are short. */
export const DEFAULT_PARSER_LIMITS: ParserLimits = { maxValueLength: 1024 * 1024 * 1024, maxLineLength: 64 * 1024 };

const CR = 13;
const LF = 10;
const SPACE = 32;
const COLON = 58;
const EMPTY = Buffer.alloc(0);

interface PendingValue {
  readonly kind: 'value' | 'block';
  readonly header: Buffer;
  readonly key: string;
  readonly flags: number;
  readonly cas: string | undefined;
  readonly length: number;
}

/**
 * Cuts a memcached text-protocol byte stream into frames. No I/O: feed it chunks in order.
 *
 * One retained buffer with cursors: a chunk is used in place when nothing is pending, and a partial
 * value gets one buffer of its declared size, so every byte is copied at most once. Frames are views
 * into those buffers; bytes already handed out are never written again.
 */
export class ResponseParser {
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  private pending: PendingValue | undefined;
  private numberEnd = 0;

  constructor(private readonly limits: ParserLimits = DEFAULT_PARSER_LIMITS) {}

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.end - this.start;
  }

  /**
   * Appends a chunk and emits every frame it completes.
   * @throws MemcacheUnknownError when the stream cannot be parsed; the parser is unusable afterwards.
   */
  feed(chunk: Buffer, emit: (frame: Frame) => void): void {
    const used = this.fillPendingValue(chunk, emit);
    if (used === chunk.length) return;
    this.append(used === 0 ? chunk : chunk.subarray(used));
    for (;;) {
      const frame = this.pending === undefined ? this.nextLine() : this.nextBlock(this.pending);
      if (frame === undefined) return;
      emit(frame);
    }
  }

  /**
   * Copies only what a partly received value still needs, so the bytes after it are not copied into
   * the value's buffer (and then copied again). Returns how much of the chunk it took.
   */
  private fillPendingValue(chunk: Buffer, emit: (frame: Frame) => void): number {
    const p = this.pending;
    const held = this.end - this.start;
    if (p === undefined || held === 0) return 0;
    const take = Math.min(p.length + 2 - held, chunk.length);
    if (this.buf.length - this.end < take) this.regrow(p.length + 2);
    chunk.copy(this.buf, this.end, 0, take);
    this.end += take;
    const frame = this.nextBlock(p);
    if (frame !== undefined) emit(frame);
    return take;
  }

  private append(chunk: Buffer): void {
    const held = this.end - this.start;
    if (held === 0) {
      this.buf = chunk;
      this.start = 0;
      this.end = chunk.length;
      return;
    }
    // Only a buffer this parser allocated has spare room; a caller's chunk is always full.
    if (this.buf.length - this.end < chunk.length) this.regrow(held + chunk.length);
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  /** Moves the held bytes into a fresh buffer: the old one may back frames already handed out. */
  private regrow(capacity: number): void {
    const held = this.end - this.start;
    const next = Buffer.allocUnsafe(Math.max(capacity, held));
    this.buf.copy(next, 0, this.start, this.end);
    this.buf = next;
    this.start = 0;
    this.end = held;
  }

  private nextBlock(p: PendingValue): Frame | undefined {
    const dataEnd = this.start + p.length;
    if (this.end < dataEnd + 2) return undefined;
    if (this.buf[dataEnd] !== CR || this.buf[dataEnd + 1] !== LF) {
      throw protocolError('data block not terminated by CRLF', this.buf.subarray(dataEnd, dataEnd + 2));
    }
    const value = this.buf.subarray(this.start, dataEnd);
    this.start = dataEnd + 2;
    this.pending = undefined;
    if (p.kind === 'block') return { kind: 'block', header: p.header, value };
    return { kind: 'value', key: p.key, flags: p.flags, cas: p.cas, value, header: p.header };
  }

  private nextLine(): Frame | undefined {
    const { buf, start } = this;
    const nl = buf.indexOf(LF, start);
    if (nl === -1 || nl >= this.end) {
      // A held trailing CR may be the first half of this line's CRLF: it is not part of the line.
      const held = this.end - start - (buf[this.end - 1] === CR ? 1 : 0);
      if (held > this.limits.maxLineLength) throw protocolError('line longer than maxLineLength', buf.subarray(start, start + 32));
      return undefined;
    }
    if (nl - 1 - start > this.limits.maxLineLength) {
      throw protocolError('line longer than maxLineLength', buf.subarray(start, start + 32));
    }
    if (nl === start || buf[nl - 1] !== CR) {
      throw protocolError('line not terminated by CRLF', buf.subarray(start, Math.min(nl + 1, start + 32)));
    }
    this.start = nl + 1;
    // END closes every retrieval: recognise it without making a view of it.
    if (nl - start === 4 && buf[start] === 0x45 && buf[start + 1] === 0x4e && buf[start + 2] === 0x44) return END_FRAME;
    return this.classify(buf.subarray(start, nl - 1));
  }

  private classify(line: Buffer): Frame | undefined {
    const first = line[0];
    if (first === 0x56 /* V */) {
      if (startsWith(line, VALUE_PREFIX)) return this.beginValue(line);
      if (startsWith(line, VA_PREFIX)) return this.beginBlock(line);
    } else if (first === 0x45 /* E */) {
      if (isErrorWord(line, ERROR_WORD)) return errorFrame('ERROR', line, ERROR_WORD.length);
    } else if (first === 0x43 /* C */ && isErrorWord(line, CLIENT_ERROR_WORD)) {
      return errorFrame('CLIENT_ERROR', line, CLIENT_ERROR_WORD.length);
    } else if (first === 0x53 /* S */ && isErrorWord(line, SERVER_ERROR_WORD)) {
      return errorFrame('SERVER_ERROR', line, SERVER_ERROR_WORD.length);
    }
    return { kind: 'line', line };
  }

  // protocol.txt "Retrieval command": VALUE <key> <flags> <bytes> [<cas unique>]
  private beginValue(line: Buffer): Frame | undefined {
    const keyEnd = line.indexOf(SPACE, VALUE_PREFIX.length);
    if (keyEnd <= VALUE_PREFIX.length) throw protocolError('malformed VALUE line', line);
    const key = line.toString('latin1', VALUE_PREFIX.length, keyEnd);
    const flags = this.readNumber(line, keyEnd, 0xffffffff);
    const flagsEnd = this.numberEnd;
    const length = this.readNumber(line, flagsEnd, this.limits.maxValueLength);
    const lengthEnd = this.numberEnd;
    let cas: string | undefined;
    if (lengthEnd < line.length) {
      this.readNumber(line, lengthEnd, Number.POSITIVE_INFINITY);
      if (this.numberEnd < line.length) throw protocolError('malformed VALUE line', line);
      cas = line.toString('latin1', lengthEnd + 1, this.numberEnd);
    }
    this.pending = { kind: 'value', header: line, key, flags, cas, length };
    return this.nextBlock(this.pending);
  }

  // Meta protocol: VA <size> <flags>*
  private beginBlock(line: Buffer): Frame | undefined {
    const length = this.readNumber(line, VA_PREFIX.length - 1, this.limits.maxValueLength);
    this.pending = { kind: 'block', header: line, key: '', flags: 0, cas: undefined, length };
    return this.nextBlock(this.pending);
  }

  /**
   * Reads ` <digits>` starting at the space at `at`; the number ends at a space or the end of line,
   * and where it ends is left in `numberEnd` (no result object per field on the hot path).
   */
  private readNumber(line: Buffer, at: number, max: number): number {
    if (line[at] !== SPACE) throw protocolError('malformed header line', line);
    let i = at + 1;
    let value = 0;
    for (; i < line.length && line[i] !== SPACE; i++) {
      const d = (line[i] ?? 0) - 48;
      if (d < 0 || d > 9) throw protocolError('non-digit in a numeric field', line);
      value = value * 10 + d;
    }
    if (i === at + 1) throw protocolError('empty numeric field', line);
    if (value > max) throw protocolError(`declared size or flags above the limit (${max})`, line);
    this.numberEnd = i;
    return value;
  }
}

const VALUE_PREFIX = Buffer.from('VALUE ', 'latin1');
const VA_PREFIX = Buffer.from('VA ', 'latin1');
const ERROR_WORD = Buffer.from('ERROR', 'latin1');
const CLIENT_ERROR_WORD = Buffer.from('CLIENT_ERROR', 'latin1');
const SERVER_ERROR_WORD = Buffer.from('SERVER_ERROR', 'latin1');

// A byte loop: for prefixes this short it beats Buffer#compare, which crosses into C++.
function startsWith(line: Buffer, prefix: Buffer): boolean {
  if (line.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (line[i] !== prefix[i]) return false;
  return true;
}

/** The word alone, or followed by a space or a colon and a message (memcached sends `ERROR: shutdown not enabled`). */
function isErrorWord(line: Buffer, word: Buffer): boolean {
  if (!startsWith(line, word)) return false;
  const next = line[word.length];
  return next === undefined || next === SPACE || next === COLON;
}

function errorFrame(type: 'ERROR' | 'CLIENT_ERROR' | 'SERVER_ERROR', line: Buffer, wordLength: number): Frame {
  const message = line.length > wordLength ? line.toString('latin1', wordLength + 1).trimStart() : '';
  return { kind: 'error', type, message, line };
}

function protocolError(what: string, bytes: Buffer): MemcacheUnknownError {
  const shown = bytes.subarray(0, 32).toString('latin1');
  return new MemcacheUnknownError(`unparseable reply (${what}): ${JSON.stringify(shown)}`);
}
