import { MemcacheError, MemcacheUnknownError } from '../errors.js';
import type { Frame } from '../protocol/frames.js';
import type { MetaKey } from '../protocol/meta-key.js';
import type { ReplyReader, Request } from '../protocol/request.js';
import { errorFromFrame } from './readers.js';

/**
 * The meta commands' wire form (protocol.txt, "Meta Debug" … "Meta No-Op"; memcached ≥ 1.6): one line
 * `<cmd> <key> [<datalen>] <flags>*`, one reply. Every request carries an opaque token (`O`) that the
 * reply must echo: a reply with another token means the stream is out of step, and the connection goes
 * rather than hand anyone a wrong value.
 */

/** How a meta reply began: `VA` (a value follows), `HD` (done), `EN` (miss), `NS`, `EX`, `NF`. */
export type MetaStatus = 'VA' | 'HD' | 'EN' | 'NS' | 'EX' | 'NF';

/** One meta reply: its status, its return flags by letter (`c` → the cas digits, `W` → ''), its value. */
export interface MetaReply {
  readonly status: MetaStatus;
  readonly flags: ReadonlyMap<string, string>;
  readonly value: Buffer | undefined;
}

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

/** `mg <key> <flags>*`. */
export function metaGet(key: MetaKey, opaque: string, flags: readonly string[]): Request<MetaReply> {
  return metaRequest('mg', key, opaque, flags);
}

/**
 * `ms <key> <datalen> <flags>*` + data. memcached 1.6.18 sometimes reads the data block of an `ms` it
 * refused with CLIENT_ERROR as a new command and sometimes swallows it, and a server without meta
 * commands answers ERROR and runs the data block as the next command line: either reply drops the
 * connection, so no one gets the answer of that stray command.
 */
export function metaSet(key: MetaKey, data: Uint8Array, opaque: string, flags: readonly string[]): Request<MetaReply> {
  const line = `ms ${key.token} ${data.length}${key.binary ? ' b' : ''}${joined(flags)} O${opaque}\r\n`;
  return { name: 'ms', parts: [line, data, '\r\n'], reader: () => new MetaReader('ms', opaque, REPLIES.ms, true) };
}

/** `md <key> <flags>*`. */
export function metaDelete(key: MetaKey, opaque: string, flags: readonly string[]): Request<MetaReply> {
  return metaRequest('md', key, opaque, flags);
}

/** `ma <key> <flags>*`. */
export function metaArithmetic(key: MetaKey, opaque: string, flags: readonly string[]): Request<MetaReply> {
  return metaRequest('ma', key, opaque, flags);
}

/** `mn`: answered `MN` once everything before it on the connection has been answered. */
export function metaNoop(): Request<true> {
  return {
    name: 'mn',
    parts: ['mn\r\n'],
    reader: () => ({
      read: (frame: Frame) => {
        if (frame.kind === 'line' && frame.line.length === 2 && frame.line.toString('latin1') === 'MN') return true;
        throw new MemcacheUnknownError(`unexpected reply to mn: ${describe(frame)}`);
      },
      result: () => true as const,
    }),
  };
}

function metaRequest(verb: 'mg' | 'md' | 'ma', key: MetaKey, opaque: string, flags: readonly string[]): Request<MetaReply> {
  const line = `${verb} ${key.token}${key.binary ? ' b' : ''}${joined(flags)} O${opaque}\r\n`;
  const expected = verb === 'md' ? REPLIES.md : flags.includes('v') ? REPLIES[`${verb}Value`] : REPLIES[verb];
  return { name: verb, parts: [line], reader: () => new MetaReader(verb, opaque, expected, false) };
}

function joined(flags: readonly string[]): string {
  return flags.length === 0 ? '' : ` ${flags.join(' ')}`;
}

/** Reads one meta reply and checks that it echoes the request's opaque token. */
class MetaReader implements ReplyReader<MetaReply> {
  private reply: MetaReply | undefined;
  private error: MemcacheError | undefined;

  constructor(
    private readonly verb: string,
    private readonly opaque: string,
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
    const text = frame.kind === 'block' ? frame.header.toString('latin1') : frame.kind === 'line' ? frame.line.toString('latin1') : '';
    const [status = '', ...tokens] = text.split(' ');
    if (!this.expected.has(status) || (status === 'VA') !== (frame.kind === 'block')) {
      throw new MemcacheUnknownError(`unexpected reply to ${this.verb}: ${describe(frame)}`);
    }
    // `VA <datalen> <flags>*`: the length is the parser's; the flags follow it.
    const flags = new Map<string, string>();
    for (const token of status === 'VA' ? tokens.slice(1) : tokens) if (token.length > 0) flags.set(token[0] as string, token.slice(1));
    if (flags.get('O') !== this.opaque) {
      throw new MemcacheUnknownError(`${this.verb} got the reply to another request (opaque ${JSON.stringify(flags.get('O') ?? '')}, expected ${this.opaque}): the connection is out of step`);
    }
    this.reply = { status: status as MetaStatus, flags, value: frame.kind === 'block' ? frame.value : undefined };
    return true;
  }

  result(): MetaReply {
    if (this.error !== undefined) throw this.error;
    return this.reply as MetaReply;
  }
}

function describe(frame: Frame): string {
  const text = frame.kind === 'line' || frame.kind === 'error' ? frame.line.toString('latin1') : frame.kind === 'block' ? frame.header.toString('latin1') : frame.kind;
  return JSON.stringify(text.slice(0, 40));
}
