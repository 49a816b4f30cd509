import { MemcacheUnknownError } from '../errors.js';
import { mapRequest } from '../executor/call.js';
import type { ErrorFrame, Frame, ValueFrame } from '../protocol/frames.js';
import type { MetaKey } from '../protocol/meta-key.js';
import { attribute, type Refusal } from '../protocol/quiet-attribution.js';
import type { ReplyReader, Request, WirePart } from '../protocol/request.js';
import type { Stored } from './definitions.js';
import * as text from './definitions.js';
import type { Dialect } from './dialect.js';
import * as meta from './meta.js';
import { isMetaNoop, parseMetaReply, type MetaReply } from './meta.js';

/**
 * The classic commands as meta commands (memcached ≥ 1.6.10), read into the same results as the text
 * dialect's. What changes: every reply is checked against its request's opaque token; noreply commands
 * go quiet (`q`) and still resolve with their true result once the `mn` after them is answered;
 * `deleteMany` is a quiet batch closed by one `mn`, so only failures travel back.
 */
export function metaDialect(opaque: () => string): Dialect {
  const key = (token: string): MetaKey => ({ token, binary: false });
  return {
    name: 'meta',
    store: (verb, item, expire, noreply) =>
      mapRequest(meta.metaStore(key(item.key), item.data, opaque(), storeWords(item, expire, MODES[verb]), item.flags, noreply), stored),
    cas: (item, expire, noreply, unique) =>
      mapRequest(meta.metaStore(key(item.key), item.data, opaque(), `${storeWords(item, expire, undefined)} C${unique}`, item.flags, noreply), (r) =>
        r.status === 'HD' ? true : r.status === 'NF' ? null : false,
      ),
    retrieve: (verb, wanted, expire) => {
      const wire = wanted[0] as string;
      if (wanted.length !== 1) return text.retrieve(verb, wanted, expire);
      return mapRequest(meta.metaRead(key(wire), opaque(), readWords(verb, expire)), (r) => (r.status === 'EN' ? [] : [hit(wire, r)]));
    },
    // A batch stays a text multi-get: its reply is checked key by key against what was asked (a value
    // for a key not asked, or twice, drops the connection), and one `get` of 100 keys served 9,168
    // calls/s where 100 quiet `mg`s and an `mn` served 2,846 (npm run bench, this machine).
    retrieveEach: (verb, asked, expire) => text.retrieveEach(verb, asked, expire),
    remove: (wire, noreply) => mapRequest(meta.metaDelete(key(wire), opaque(), [], noreply), (r) => r.status === 'HD'),
    removeMany: (wires) => {
      const lines = wires.map((wire) => (o: string) => [`md ${wire} q O${o}\r\n`]);
      return mapRequest(quietBatch('md', lines, opaque), (replies) => wires.map((_, i) => replies[i] === undefined || replies[i].status === 'HD'));
    },
    touch: (wire, expire, noreply) => mapRequest(meta.metaGet(key(wire), opaque(), [`T${expire}`], noreply), (r) => r.status === 'HD'),
    // Never quiet: a quiet `ma` hides its new value, and its error (a non-number) would come back inside a
    // quiet run, where it names no command. Answered, a noreply incr resolves with its true value.
    arithmetic: (verb, wire, delta) =>
      mapRequest(meta.metaArithmetic(key(wire), opaque(), ['v', verb === 'incr' ? 'MI' : 'MD', `D${delta}`]), (r) =>
        r.status === 'VA' && r.value !== undefined ? BigInt(r.value.toString('latin1')) : null,
      ),
    storeMany: (items, expire, noreply) => {
      const lines = items.map((item) => (o: string): WirePart[] => [`ms ${item.key} ${item.data.length}${storeWords(item, expire, undefined)}${noreply ? ' q' : ''} O${o}\r\n`, item.data, '\r\n']);
      // Quiet only with noreply: an error line (a value over the server's limit) names no command in a
      // quiet batch, so it is placed by position and size (see QuietBatchReader), while answered in order
      // it is that item's.
      if (!noreply) return mapRequest(orderedBatch('ms', lines, opaque), (replies) => items.flatMap((_, i) => (replies[i]?.status === 'HD' ? [] : [i])));
      const refusals = items.map((item) => meta.storeRefusal(key(item.key), item.data, item.flags));
      return mapRequest(quietBatch('ms', lines, opaque, refusals), (replies) => items.flatMap((_, i) => (replies[i] === undefined || replies[i].status === 'HD' ? [] : [i])));
    },
  };
}

const MODES = { set: undefined, add: 'E', replace: 'R', append: 'A', prepend: 'P' } as const;

/**
 * An `ms`'s flags as they go on the line (` F7 T60 ME`), without `F0` and `T0`: the server takes an item
 * without them as flags 0, never expiring (protocol.txt, "Meta Set"), and every write is built here.
 */
function storeWords(item: Stored, expire: string, mode: string | undefined): string {
  return `${item.flags === 0 ? '' : ` F${item.flags}`}${expire === '0' ? '' : ` T${expire}`}${mode === undefined ? '' : ` M${mode}`}`;
}

const stored = (reply: MetaReply): boolean => reply.status === 'HD';

/** An `mg`'s flags as they go on the line: the value and client flags, the cas for `gets`, a new TTL for `gat`. */
function readWords(verb: 'get' | 'gets' | 'gat' | 'gats', expire: string | undefined): string {
  const words = verb === 'gets' || verb === 'gats' ? ' v f c' : ' v f';
  return expire === undefined ? words : `${words} T${expire}`;
}

function hit(wire: string, reply: MetaReply): ValueFrame {
  return { kind: 'value', key: wire, flags: Number(reply.flags.get('f') ?? 0), cas: reply.flags.get('c'), value: reply.value ?? Buffer.alloc(0) };
}

/**
 * One request of quiet commands and the `mn` that closes them. Its reply: for each command, what the
 * server said (undefined: nothing, which for a quiet command is success, or a miss for `mg`).
 */
function quietBatch(
  verb: string,
  lines: ReadonlyArray<(opaque: string) => WirePart[]>,
  opaque: () => string,
  refusals?: readonly Refusal[],
): Request<Array<MetaReply | undefined>> {
  const byOpaque = new Map<string, number>();
  const parts: WirePart[] = [];
  lines.forEach((line, index) => {
    const o = opaque();
    byOpaque.set(o, index);
    for (const part of line(o)) parts.push(part);
  });
  parts.push('mn\r\n');
  return { name: verb, keys: lines.length, parts, reader: () => new QuietBatchReader(verb, byOpaque, lines.length, refusals) };
}

/**
 * Commands answered one by one, in order: each reply must carry its command's opaque token. A
 * `SERVER_ERROR` is that command's failure (undefined in the result); a `CLIENT_ERROR` to `ms` closes the
 * connection, as memcached may read the refused data block as a command.
 */
function orderedBatch(verb: string, lines: ReadonlyArray<(opaque: string) => WirePart[]>, opaque: () => string): Request<Array<MetaReply | undefined>> {
  const expected: string[] = [];
  const parts: WirePart[] = [];
  for (const line of lines) {
    const o = opaque();
    expected.push(o);
    for (const part of line(o)) parts.push(part);
  }
  return { name: verb, keys: lines.length, parts, reader: () => new OrderedBatchReader(verb, expected) };
}

class OrderedBatchReader implements ReplyReader<Array<MetaReply | undefined>> {
  private readonly replies: Array<MetaReply | undefined> = [];

  constructor(
    private readonly verb: string,
    private readonly expected: readonly string[],
  ) {}

  read(frame: Frame): boolean {
    if (frame.kind === 'error') {
      if (frame.type !== 'SERVER_ERROR') throw new MemcacheUnknownError(`${this.verb} was refused (${frame.line.toString('latin1')}); the connection is closed`);
      this.replies.push(undefined);
    } else {
      const reply = parseMetaReply(frame, this.verb);
      const want = this.expected[this.replies.length];
      if (reply.flags.get('O') !== want) throw new MemcacheUnknownError(`${this.verb} batch got a reply out of step (opaque ${JSON.stringify(reply.flags.get('O') ?? '')}, expected ${want ?? 'none'})`);
      this.replies.push(reply);
    }
    return this.replies.length === this.expected.length;
  }

  result(): Array<MetaReply | undefined> {
    return this.replies;
  }
}

/** What a command of a quiet batch refused in step gets in the result: not stored, like an `NS`. */
const REFUSED: MetaReply = { status: 'NS', flags: new Map(), value: undefined };

/**
 * Reads a quiet batch's replies by their opaque tokens, up to the `MN` that closes it. memcached answers
 * in order, so replies come with rising indices, and an error line (it names no command) belongs to one
 * of the commands after the last reply and before the next one (or the `MN`): it is placed there once
 * that reply comes, by the rules of `attribute`, when `refusals` says which lines a command may get in
 * step. Any other error line drops the connection (after a refused `ms` memcached may read its data as
 * a command).
 */
class QuietBatchReader implements ReplyReader<Array<MetaReply | undefined>> {
  private readonly replies: Array<MetaReply | undefined>;
  /** The first command neither answered nor passed over: error lines are of the commands from here on. */
  private next = 0;
  private errors: ErrorFrame[] = [];

  constructor(
    private readonly verb: string,
    private readonly byOpaque: ReadonlyMap<string, number>,
    count: number,
    private readonly refusals: readonly Refusal[] | undefined,
  ) {
    this.replies = new Array<MetaReply | undefined>(count).fill(undefined);
  }

  read(frame: Frame): boolean {
    if (frame.kind === 'error') {
      if (!(this.refusals?.slice(this.next).some((refusal) => refusal(frame) !== undefined) ?? false)) {
        throw new MemcacheUnknownError(`an error reply inside a quiet ${this.verb} batch names no command: ${frame.line.toString('latin1')}`);
      }
      this.errors.push(frame);
      return false;
    }
    if (isMetaNoop(frame)) {
      this.place(this.replies.length);
      return true;
    }
    const reply = parseMetaReply(frame, this.verb);
    const index = this.byOpaque.get(reply.flags.get('O') ?? '');
    if (index === undefined || index < this.next) {
      throw new MemcacheUnknownError(`${this.verb} batch got a reply for no request of it (opaque ${JSON.stringify(reply.flags.get('O') ?? '')}): the connection is out of step`);
    }
    this.place(index);
    this.replies[index] = reply;
    this.next = index + 1;
    return false;
  }

  result(): Array<MetaReply | undefined> {
    return this.replies;
  }

  /** The reply of command `end` came (or the `MN`): the error lines since the last reply were of the commands before it. */
  private place(end: number): void {
    if (this.errors.length === 0) return;
    const candidates = (this.refusals ?? []).slice(this.next, end);
    // A command that may or may not have been refused counts as refused: never a success that may be false.
    attribute(this.errors, candidates).forEach((verdict, k) => {
      if (verdict !== undefined) this.replies[this.next + k] = REFUSED;
    });
    this.errors = [];
  }
}
