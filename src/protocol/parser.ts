import { MemcacheUnknownError } from '../errors.js';
import { copyOf, CutFrames } from './cut-frames.js';
import { knownLineFrame, type Frame } from './frames.js';
import {
  CLIENT_ERROR_WORD,
  ERROR_WORD,
  errorFrame,
  isErrorWord,
  SERVER_ERROR_WORD,
  startsWith,
  VA_PREFIX,
  VALUE_PREFIX,
} from './reply-words.js';

/** Limits that bound what a server can make this client allocate. */
export interface ParserLimits {
  /** Largest data block a `VALUE`/`VA` header may declare; checked before any buffer is allocated. */
  readonly maxValueLength: number;
  /** Longest line (without data) accepted before the stream is declared garbage. */
  readonly maxLineLength: number;
}

/** Defaults: memcached's item size ceiling is 1 GiB (`-I`), its lines are short. */
export const DEFAULT_PARSER_LIMITS: ParserLimits = { maxValueLength: 1024 * 1024 * 1024, maxLineLength: 64 * 1024 };

/** 2^64-1 in decimal: among strings of 20 digits, string order is numeric order. */
const MAX_U64_DIGITS = '18446744073709551615';
const CR = 13;
const LF = 10;
const SPACE = 32;
const EMPTY = Buffer.alloc(0);

interface PendingValue {
  readonly kind: 'value' | 'block';
  /** The `VA` line of a meta block (a `VALUE` header is rebuilt from its fields when needed). */
  readonly header: Buffer;
  readonly key: string;
  readonly flags: number;
  readonly cas: string | undefined;
  readonly length: number;
}

/**
 * Cuts a memcached text-protocol byte stream into frames. No I/O: feed it chunks in order.
 *
 * A chunk only has to stay valid while `feed` runs: the transport reads every socket into one reused
 * buffer, so no read allocates. A chunk is parsed in place; the frames cut from it leave it together in
 * one copy, and what is left over is copied into a retained buffer (for a partly received value, one
 * buffer of its declared size), so every byte is copied at most once. Frames cut from a retained buffer
 * are views into it; bytes already handed out are never written again.
 */
export class ResponseParser {
  private buf: Buffer = EMPTY;
  private start = 0;
  private end = 0;
  private pending: PendingValue | undefined;
  private numberEnd = 0;
  /** False while `buf` is the caller's chunk, which may be overwritten once `feed` returns. */
  private owned = true;
  private readonly cut = new CutFrames();

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
    let at = 0;
    while (this.end > this.start && at < chunk.length) at += this.completeHeld(chunk, at, emit);
    if (at === chunk.length) return;
    const rest = at === 0 ? chunk : chunk.subarray(at);
    this.useInPlace(rest);
    try {
      for (;;) {
        const frame = this.pending === undefined ? this.nextLine() : this.nextBlock(this.pending);
        if (frame === undefined) break;
        this.cut.push(frame);
      }
    } finally {
      // Also before a parse error propagates: the frames before it were good.
      this.cut.flush(rest, emit);
    }
    this.letGoOfChunk();
  }

  /**
   * Copies from `chunk` only what the held partial frame still needs (the rest of a value, or a line up
   * to its LF), so the bytes after it are parsed in place instead of being copied along. Returns how
   * much of the chunk it took.
   */
  private completeHeld(chunk: Buffer, at: number, emit: (frame: Frame) => void): number {
    const p = this.pending;
    const held = this.end - this.start;
    let take: number;
    if (p !== undefined) take = Math.min(p.length + 2 - held, chunk.length - at);
    else {
      const nl = chunk.indexOf(LF, at);
      take = (nl === -1 ? chunk.length : nl + 1) - at;
    }
    // A value gets its whole buffer at once, so a value arriving in many reads is copied once.
    if (this.buf.length - this.end < take) this.regrow(p === undefined ? held + take : p.length + 2);
    chunk.copy(this.buf, this.end, at, at + take);
    this.end += take;
    const frame = p === undefined ? this.nextLine() : this.nextBlock(p);
    if (frame !== undefined) emit(frame);
    return take;
  }

  /** Copies what is still held out of the caller's chunk, so the chunk can be reused. */
  private letGoOfChunk(): void {
    if (this.owned) return;
    if (this.end > this.start) this.regrow(this.pending === undefined ? 0 : this.pending.length + 2);
    else {
      this.buf = EMPTY;
      this.start = 0;
      this.end = 0;
      this.owned = true;
    }
  }

  /** The bytes from `from` to `to`: a view of a retained buffer, or noted to be copied out of the chunk. */
  private take(from: number, to: number): Buffer {
    return this.owned ? this.buf.subarray(from, to) : this.cut.span(from, to);
  }

  /** A line view (from `nextLine`) as bytes that outlive this `feed`. */
  private keep(line: Buffer): Buffer {
    if (this.owned) return line;
    const from = line.byteOffset - this.buf.byteOffset;
    return this.take(from, from + line.length);
  }

  /** Parses `chunk` in place; only called with nothing held. */
  private useInPlace(chunk: Buffer): void {
    this.buf = chunk;
    this.start = 0;
    this.end = chunk.length;
    this.owned = false;
  }

  /** Moves the held bytes into a fresh buffer: the old one may back frames already handed out. */
  private regrow(capacity: number): void {
    const held = this.end - this.start;
    const next = Buffer.allocUnsafe(Math.max(capacity, held));
    this.buf.copy(next, 0, this.start, this.end);
    this.buf = next;
    this.start = 0;
    this.end = held;
    this.owned = true;
  }

  private nextBlock(p: PendingValue): Frame | undefined {
    const dataEnd = this.start + p.length;
    if (this.end < dataEnd + 2) return undefined;
    if (this.buf[dataEnd] !== CR || this.buf[dataEnd + 1] !== LF) {
      throw protocolError('data block not terminated by CRLF', this.buf.subarray(dataEnd, dataEnd + 2));
    }
    const value = this.take(this.start, dataEnd);
    this.start = dataEnd + 2;
    this.pending = undefined;
    if (p.kind === 'block') return { kind: 'block', header: p.header, value };
    return { kind: 'value', key: p.key, flags: p.flags, cas: p.cas, value };
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
    // END and the status words are shared frames: no view, no copy.
    const known = knownLineFrame(buf, start, nl - 1);
    if (known !== undefined) return known;
    return this.classify(buf.subarray(start, nl - 1));
  }

  private classify(line: Buffer): Frame | undefined {
    const first = line[0];
    if (first === 0x56 /* V */) {
      if (startsWith(line, VALUE_PREFIX)) return this.beginValue(line);
      if (startsWith(line, VA_PREFIX)) return this.beginBlock(line);
    } else if (first === 0x45 /* E */) {
      if (isErrorWord(line, ERROR_WORD)) return errorFrame('ERROR', line, ERROR_WORD.length, this.keep(line));
    } else if (first === 0x43 /* C */ && isErrorWord(line, CLIENT_ERROR_WORD)) {
      return errorFrame('CLIENT_ERROR', line, CLIENT_ERROR_WORD.length, this.keep(line));
    } else if (first === 0x53 /* S */ && isErrorWord(line, SERVER_ERROR_WORD)) {
      return errorFrame('SERVER_ERROR', line, SERVER_ERROR_WORD.length, this.keep(line));
    }
    return { kind: 'line', line: this.keep(line) };
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
      // A cas unique is a 64-bit unsigned integer: anything longer is not a token a server can accept back.
      if (cas.length > MAX_U64_DIGITS.length || (cas.length === MAX_U64_DIGITS.length && cas > MAX_U64_DIGITS)) {
        throw protocolError('cas unique above 2^64-1', line);
      }
    }
    this.pending = { kind: 'value', header: EMPTY, key, flags, cas, length };
    return this.nextBlock(this.pending);
  }

  // Meta protocol: VA <size> <flags>*
  private beginBlock(line: Buffer): Frame | undefined {
    const length = this.readNumber(line, VA_PREFIX.length - 1, this.limits.maxValueLength);
    // Copied now: the block may end in a later chunk, after the cut frames of this one are flushed.
    const header = this.owned ? line : copyOf(line, 0, line.length);
    this.pending = { kind: 'block', header, key: '', flags: 0, cas: undefined, length };
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

function protocolError(what: string, bytes: Buffer): MemcacheUnknownError {
  const shown = bytes.subarray(0, 32).toString('latin1');
  return new MemcacheUnknownError(`unparseable reply (${what}): ${JSON.stringify(shown)}`);
}
