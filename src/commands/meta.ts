import { MemcacheError, MemcacheUnknownError } from '../errors.js';
import type { ErrorFrame, Frame } from '../protocol/frames.js';
import type { MetaKey } from '../protocol/meta-key.js';
import type { QuietRefusal, ReplyReader, Request } from '../protocol/request.js';
import { errorFromFrame } from './readers.js';

/**
 * The meta commands' wire form (protocol.txt, "Meta Debug" … "Meta No-Op"; memcached ≥ 1.6): one line
 * `<cmd> <key> [<datalen>] <flags>*`, one reply. Every request carries an opaque token (`O`) that the
 * reply must echo: a reply with another token means the stream is out of step, and the connection goes
 * rather than hand anyone a wrong value.
 */

/** How a meta reply began: `VA` (a value follows), `HD` (done), `EN` (miss), `NS`, `EX`, `NF`. */
export type MetaStatus = 'VA' | 'HD' | 'EN' | 'NS' | 'EX' | 'NF';

/** A meta reply's return flags: by letter, the rest of the token (`c` → the cas digits, `W` → ''). */
export interface MetaFlags extends Iterable<readonly [string, string]> {
  get(letter: string): string | undefined;
  has(letter: string): boolean;
}

/** The flag tokens of one reply, read in place: most replies are read for one or two letters. */
class TokenFlags implements MetaFlags {
  constructor(
    private readonly tokens: readonly string[],
    private readonly from: number,
  ) {}

  get(letter: string): string | undefined {
    const code = letter.charCodeAt(0);
    for (let i = this.from; i < this.tokens.length; i++) {
      const token = this.tokens[i] as string;
      if (token.charCodeAt(0) === code) return token.slice(1);
    }
    return undefined;
  }

  has(letter: string): boolean {
    return this.get(letter) !== undefined;
  }

  *[Symbol.iterator](): Iterator<readonly [string, string]> {
    for (let i = this.from; i < this.tokens.length; i++) {
      const token = this.tokens[i] as string;
      if (token.length > 0) yield [token[0] as string, token.slice(1)];
    }
  }
}

/** One meta reply: its status, its return flags by letter (`c` → the cas digits, `W` → ''), its value. */
export interface MetaReply {
  readonly status: MetaStatus;
  readonly flags: MetaFlags;
  readonly value: Buffer | undefined;
}

const STATUSES = new Set<string>(['VA', 'HD', 'EN', 'NS', 'EX', 'NF']);

/**
 * The statuses each request can be answered with (protocol.txt, "Meta Get" … "Meta Arithmetic"): a hit
 * of an `mg` or `ma` that asked for the value (`v`) is always a `VA`, otherwise `HD`. Any other status,
 * even with the right opaque, means the stream cannot be trusted (an `HD` to an `mg v` would read as a
 * hit without a value).
 */
const REPLIES = {
  mgValue: new Set<string>(['VA', 'EN']),
  mg: new Set<string>(['HD', 'EN']),
  ms: new Set<string>(['HD', 'NS', 'EX', 'NF']),
  md: new Set<string>(['HD', 'NF', 'EX']),
  maValue: new Set<string>(['VA', 'NF', 'NS', 'EX']),
  ma: new Set<string>(['HD', 'NF', 'NS', 'EX']),
} as const;

/**
 * `mg <key> <flags>*`. Quiet (`q`): a miss sends nothing back; the `mn` after the run proves it.
 */
export function metaGet(key: MetaKey, opaque: string, flags: readonly string[], quiet = false): Request<MetaReply> {
  return metaRequest('mg', key, opaque, flags, quiet);
}

/**
 * `ms <key> <datalen> <flags>*` + data. memcached 1.6.18 sometimes reads the data block of an `ms` it
 * refused with CLIENT_ERROR as a new command and sometimes swallows it, and a server without meta
 * commands answers ERROR and runs the data block as the next command line: either reply drops the
 * connection, so no one gets the answer of that stray command.
 */
export function metaSet(key: MetaKey, data: Uint8Array, opaque: string, flags: readonly string[], quiet = false): Request<MetaReply> {
  return metaStore(key, data, opaque, joined(flags), clientFlagsOf(flags), quiet);
}

/**
 * `ms` with its flags already written out (` F7 T60 ME`, or '') and its client flags: the classic
 * stores build their line this way, as every write goes through here.
 */
export function metaStore(key: MetaKey, data: Uint8Array, opaque: string, words: string, clientFlags: number, quiet: boolean): Request<MetaReply> {
  const line = `ms ${key.token} ${data.length}${key.binary ? ' b' : ''}${words}${quiet ? ' q' : ''} O${opaque}\r\n`;
  return { name: 'ms', parts: [line, data, '\r\n'], reader: readerFor('ms', opaque, REPLIES.ms, true, quiet, itemSize(key, data, clientFlags)) };
}

/**
 * What memcached 1.6.18 judges an item's size by (`item_size_ok`: key bytes, data bytes, and 4 more for
 * non-zero client flags, plus constants): monotone in this number, it refuses exactly the items over its
 * limit.
 */
function itemSize(key: MetaKey, data: Uint8Array, clientFlags: number): number {
  const keyBytes = key.binary ? Buffer.byteLength(key.token, 'base64') : key.token.length;
  return keyBytes + data.length + (clientFlags === 0 ? 0 : 4);
}

/** The client flags an `ms` sets (`F<n>`; 0 without one, as the server takes it). */
function clientFlagsOf(flags: readonly string[]): number {
  const clientFlags = flags.find((flag) => flag.startsWith('F'));
  return clientFlags === undefined ? 0 : Number(clientFlags.slice(1)) || 0;
}

/** `md <key> <flags>*`. Quiet (`q`): success (`HD`) sends nothing back. */
export function metaDelete(key: MetaKey, opaque: string, flags: readonly string[], quiet = false): Request<MetaReply> {
  return metaRequest('md', key, opaque, flags, quiet);
}

/** `ma <key> <flags>*`. Quiet (`q`): success sends nothing back, its value included. */
export function metaArithmetic(key: MetaKey, opaque: string, flags: readonly string[], quiet = false): Request<MetaReply> {
  return metaRequest('ma', key, opaque, flags, quiet);
}

/** `mn`: answered `MN` once everything before it on the connection has been answered. */
export function metaNoop(): Request<true> {
  return {
    name: 'mn',
    parts: ['mn\r\n'],
    reader: () => ({
      read: (frame: Frame) => {
        if (isMetaNoop(frame)) return true;
        throw new MemcacheUnknownError(`unexpected reply to mn: ${describe(frame)}`);
      },
      result: () => true as const,
    }),
  };
}

function metaRequest(verb: 'mg' | 'md' | 'ma', key: MetaKey, opaque: string, flags: readonly string[], quiet = false): Request<MetaReply> {
  return metaLine(verb, key, opaque, joined(flags), flags.includes('v'), quiet);
}

/**
 * `mg` with its flags already written out (` v f`), `v` among them: the classic reads build their line
 * this way, as every single-key read goes through here.
 */
export function metaRead(key: MetaKey, opaque: string, words: string): Request<MetaReply> {
  return metaLine('mg', key, opaque, words, true, false);
}

function metaLine(verb: 'mg' | 'md' | 'ma', key: MetaKey, opaque: string, words: string, valued: boolean, quiet: boolean): Request<MetaReply> {
  const line = `${verb} ${key.token}${key.binary ? ' b' : ''}${words}${quiet ? ' q' : ''} O${opaque}\r\n`;
  const expected = verb === 'md' ? REPLIES.md : valued ? REPLIES[`${verb}Value`] : REPLIES[verb];
  return { name: verb, parts: [line], reader: readerFor(verb, opaque, expected, false, quiet) };
}

function readerFor(verb: string, opaque: string, expected: ReadonlySet<string>, fatalErrors: boolean, quiet: boolean, size?: number): () => ReplyReader<MetaReply> {
  if (!quiet) return () => new MetaReader(verb, opaque, expected, fatalErrors);
  const silent = verb === 'mg' ? SILENT_MISS : SILENT_DONE;
  return () => new QuietMetaReader(verb, opaque, expected, fatalErrors, silent, size);
}

const NO_FLAGS: MetaFlags = { get: () => undefined, has: () => false, [Symbol.iterator]: () => [][Symbol.iterator]() };
/** What `q` leaves unsaid: a miss for mg, success for the others (shared: nothing changes a reply). */
const SILENT_MISS: MetaReply = { status: 'EN', flags: NO_FLAGS, value: undefined };
const SILENT_DONE: MetaReply = { status: 'HD', flags: NO_FLAGS, value: undefined };

/**
 * The error lines a quiet `ms` may get that leave the stream in step: memcached 1.6.18 answers them
 * before reading the data block, then swallows the block whatever it holds (measured, `q` or not, a
 * block that reads like a command included; proto_text.c `process_mset_command`, the only meta command
 * that sends these two lines). Any other error line inside a quiet run stays fatal.
 */
const TOO_LARGE = 'object too large for cache';
const OUT_OF_MEMORY = 'out of memory storing object';
const ANY: QuietRefusal = { rule: 'any' };

/** How a quiet `ms` of an item of `size` (see `itemSize`) may have been refused in step, if it may. */
function storeRefused(frame: ErrorFrame, size: number): QuietRefusal | undefined {
  if (frame.type !== 'SERVER_ERROR') return undefined;
  if (frame.message === TOO_LARGE) return { rule: 'size', size };
  return frame.message === OUT_OF_MEMORY ? ANY : undefined;
}

/**
 * The refusals a quiet `ms` of this key, data and flags may get in step, for a quiet batch's reader
 * (a quiet `ms` request's own reader answers `refusal` the same way).
 */
export function storeRefusal(key: MetaKey, data: Uint8Array, clientFlags: number): (frame: ErrorFrame) => QuietRefusal | undefined {
  const size = itemSize(key, data, clientFlags);
  return (frame) => storeRefused(frame, size);
}

function joined(flags: readonly string[]): string {
  return flags.length === 0 ? '' : ` ${flags.join(' ')}`;
}

/**
 * A frame as a meta reply: `VA <datalen> <flags>*` with its data block, or a status line with flags.
 * @throws MemcacheUnknownError for anything else (the stream is out of step with the requests).
 */
export function parseMetaReply(frame: Frame, verb: string): MetaReply {
  // The parser makes a block only of a `VA <datalen>` header: its flags are read from the bytes when asked.
  if (frame.kind === 'block') return { status: 'VA', flags: new HeaderFlags(frame.header), value: frame.value };
  const tokens = frame.kind === 'line' ? frame.line.toString('latin1').split(' ') : [];
  const status = tokens[0] ?? '';
  if (!STATUSES.has(status) || status === 'VA') throw new MemcacheUnknownError(`unexpected reply to ${verb}: ${describe(frame)}`);
  return { status: status as MetaStatus, flags: new TokenFlags(tokens, 1), value: undefined };
}

/**
 * The flags of a `VA <datalen> <flags>*` header, found in its bytes when asked: a hit is read for two or
 * three letters, so splitting the header into strings would be work thrown away.
 */
class HeaderFlags implements MetaFlags {
  /** Where the flags begin: past `VA <datalen> `. */
  private readonly from: number;

  constructor(private readonly header: Buffer) {
    const space = header.indexOf(0x20, 3);
    this.from = space < 0 ? header.length : space + 1;
  }

  get(letter: string): string | undefined {
    const at = this.find(letter.charCodeAt(0));
    return at < 0 ? undefined : this.header.toString('latin1', at + 1, this.tokenEnd(at));
  }

  has(letter: string): boolean {
    return this.find(letter.charCodeAt(0)) >= 0;
  }

  *[Symbol.iterator](): Iterator<readonly [string, string]> {
    for (let at = this.from; at < this.header.length; at = this.tokenEnd(at) + 1) {
      const end = this.tokenEnd(at);
      if (end > at) yield [String.fromCharCode(this.header[at] as number), this.header.toString('latin1', at + 1, end)];
    }
  }

  /** Where the first token that starts with `code` begins, or -1. */
  private find(code: number): number {
    for (let at = this.from; at < this.header.length; at = this.tokenEnd(at) + 1) {
      if (this.header[at] === code) return at;
    }
    return -1;
  }

  private tokenEnd(at: number): number {
    const space = this.header.indexOf(0x20, at);
    return space < 0 ? this.header.length : space;
  }
}

const BARE_STATUSES = new Set<string>(['HD', 'EN', 'NS', 'EX', 'NF']);

/** The flags of a reply that carries only its opaque token. */
class OpaqueOnly implements MetaFlags {
  constructor(private readonly opaque: string) {}

  get(letter: string): string | undefined {
    return letter === 'O' ? this.opaque : undefined;
  }

  has(letter: string): boolean {
    return letter === 'O';
  }

  *[Symbol.iterator](): Iterator<readonly [string, string]> {
    yield ['O', this.opaque];
  }
}

/**
 * The reply, when `line` is exactly `<status> O<opaque>` (checked byte by byte), else undefined: the
 * common answer to a write or a miss, read without turning the line into strings and tokens.
 */
function bareReply(line: Buffer, opaque: string): MetaReply | undefined {
  if (line.length !== 4 + opaque.length || line[2] !== 0x20 || line[3] !== 0x4f) return undefined;
  for (let i = 0; i < opaque.length; i++) if (line[4 + i] !== opaque.charCodeAt(i)) return undefined;
  const status = String.fromCharCode(line[0] as number, line[1] as number);
  return BARE_STATUSES.has(status) ? { status: status as MetaStatus, flags: new OpaqueOnly(opaque), value: undefined } : undefined;
}

/** Whether a frame is the `MN` that answers `mn`. */
export function isMetaNoop(frame: Frame): boolean {
  return frame.kind === 'line' && frame.line.length === 2 && frame.line[0] === 0x4d && frame.line[1] === 0x4e;
}

/** Reads one meta reply and checks that it echoes the request's opaque token. */
class MetaReader implements ReplyReader<MetaReply> {
  protected reply: MetaReply | undefined;
  private error: MemcacheError | undefined;

  constructor(
    private readonly verb: string,
    protected readonly opaque: string,
    private readonly expected: ReadonlySet<string>,
    private readonly fatalErrors: boolean,
  ) {}

  read(frame: Frame): boolean {
    if (frame.kind === 'error') {
      const error = errorFromFrame(frame);
      // A SERVER_ERROR (too large, out of memory) swallows the data block: memcached 1.6.18, measured.
      if (this.fatalErrors && frame.type !== 'SERVER_ERROR') {
        const why = frame.type === 'ERROR' ? 'ERROR: the server does not know meta commands' : frame.message;
        throw new MemcacheUnknownError(`${this.verb} was refused (${why}); the server may read its data block as a command, so the connection is closed`, { cause: error });
      }
      this.error = error;
      return true;
    }
    // `<status> O<opaque>` exactly is checked as it is matched; anything else is parsed, then checked.
    const bare = frame.kind === 'line' ? bareReply(frame.line, this.opaque) : undefined;
    const reply = bare ?? parseMetaReply(frame, this.verb);
    if (!this.expected.has(reply.status)) throw new MemcacheUnknownError(`unexpected reply to ${this.verb}: ${describe(frame)}`);
    if (bare === undefined && reply.flags.get('O') !== this.opaque) {
      throw new MemcacheUnknownError(`${this.verb} got the reply to another request (opaque ${JSON.stringify(reply.flags.get('O') ?? '')}, expected ${this.opaque}): the connection is out of step`);
    }
    this.reply = reply;
    return true;
  }

  result(): MetaReply {
    if (this.error !== undefined) throw this.error;
    return this.reply as MetaReply;
  }

  /** Whether an error line ended the reply. */
  protected get failed(): boolean {
    return this.error !== undefined;
  }
}

/** A quiet request's reader: it claims only the reply that carries its opaque token. */
class QuietMetaReader extends MetaReader {
  constructor(
    verb: string,
    opaque: string,
    expected: ReadonlySet<string>,
    fatalErrors: boolean,
    private readonly silent: MetaReply,
    /** The item's size for an `ms` (see `itemSize`); undefined for the commands no error line spares. */
    private readonly size: number | undefined,
  ) {
    super(verb, opaque, expected, fatalErrors);
  }

  refusal(frame: ErrorFrame): QuietRefusal | undefined {
    return this.size === undefined ? undefined : storeRefused(frame, this.size);
  }

  claims(frame: Frame): boolean {
    const text = frame.kind === 'block' ? frame.header : frame.kind === 'line' ? frame.line : undefined;
    // Too short for `<status> O<token>`: the `MN` every quiet command is passed over by, most of all.
    if (text === undefined || text.length < 4 + this.opaque.length) return false;
    // `… O<token>` as a whole word: the opaque is the only flag that starts with O.
    const at = text.indexOf(` O${this.opaque}`);
    return at >= 0 && (at + 2 + this.opaque.length === text.length || text[at + 2 + this.opaque.length] === 0x20);
  }

  override result(): MetaReply {
    return this.reply === undefined && !this.failed ? this.silent : super.result();
  }
}

function describe(frame: Frame): string {
  const text = frame.kind === 'line' || frame.kind === 'error' ? frame.line.toString('latin1') : frame.kind === 'block' ? frame.header.toString('latin1') : frame.kind;
  return JSON.stringify(text.slice(0, 40));
}
