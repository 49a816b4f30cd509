import type { Observable } from 'rxjs';
import type { Client } from '../../src/index.js';

// A scripted memcached for the virtual-time queue model. Every key names the call that sent it
// (`k<id>`, or `k<id>x<j>` for getMany), and the answer is a fixed function of that id, so a call
// can be told its own reply and nobody else's. It is not a real server: it exists to control exactly
// when, and in which pieces, reply bytes arrive.

/** What a queue-model call sends. */
export type CallKind = 'get' | 'getMany' | 'set' | 'setNoreply' | 'setLarge' | 'setLargeNoreply' | 'delete' | 'deleteNoreply';

/** What a call must get when it gets its reply: a value, or a server error with this message. */
export type OwnReply = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'serverError'; readonly message: string };

/** Keys per getMany call. */
export const MANY = 3;
/** Over the client's 16 KB "large part" size, which takes a different write path. */
export const LARGE = 20_000;
const SIZES = [0, 3, 60, 1500, 9000];
const FILL = 'ab\r\nEND\r\nVALUE x 0 1\r\n';
/** The error a reply set gets for ids divisible by 7; noreply sets get NOREPLY_ERROR for ids divisible by 5. */
export const REPLY_ERROR = 'object too large for cache';
export const NOREPLY_ERROR = 'out of memory storing object';

/** The stored value of `k<id>`: its id first, then bytes that look like protocol (CRLF, END, VALUE). */
export function valueOf(id: number): string {
  const size = SIZES[id % SIZES.length] ?? 0;
  let out = `v${id}:`;
  while (out.length < size) out += FILL;
  return out.slice(0, size);
}

const hit = (n: number): boolean => n % 3 !== 0;

/** The reply call `id` of `kind` must get (noreply calls: their noreply value). */
export function ownReply(kind: CallKind, id: number): OwnReply {
  const value = (v: unknown): OwnReply => ({ kind: 'value', value: v });
  switch (kind) {
    case 'get':
      return value(hit(id) ? valueOf(id) : undefined);
    case 'getMany': {
      const hits = new Map<string, string>();
      for (let j = 0; j < MANY; j++) if (hit(id + j)) hits.set(`k${id}x${j}`, valueOf(id + j));
      return value(hits);
    }
    case 'set':
    case 'setLarge':
      return id % 7 === 0 ? { kind: 'serverError', message: REPLY_ERROR } : value(id % 2 === 0);
    case 'delete':
      return value(id % 2 === 0);
    case 'setNoreply':
    case 'setLargeNoreply':
    case 'deleteNoreply':
      return value(true);
  }
}

/** Sends call `id` of `kind` through the client: its keys and values name it. */
export function sendCall(client: Client, kind: CallKind, id: number): Observable<unknown> {
  const key = `k${id}`;
  switch (kind) {
    case 'get':
      return client.get(key);
    case 'getMany':
      return client.getMany(Array.from({ length: MANY }, (_, j) => `${key}x${j}`));
    case 'set':
    case 'setNoreply':
      return client.set(key, `s${id}`, { noreply: kind === 'setNoreply' });
    case 'setLarge':
    case 'setLargeNoreply':
      return client.set(key, `L${id}:`.padEnd(LARGE, 'L'), { noreply: kind === 'setLargeNoreply' });
    case 'delete':
    case 'deleteNoreply':
      return client.delete(key, { noreply: kind === 'deleteNoreply' });
  }
}

/** The call a key belongs to. */
export function idOf(key: string): number {
  const match = /^k(\d+)/.exec(key);
  if (match === null) throw new Error(`fake memcached: a key that names no call: ${key}`);
  return Number(match[1]);
}

/** How the fake server behaves on every connection. */
export interface ServerTraits {
  /** Knows the meta no-op `mn` (memcached ≥ 1.5.19); without it, `mn` gets a bare `ERROR`. */
  readonly knowsMn: boolean;
  /** Expects `auth` credentials first (answered `STORED`). */
  readonly auth: boolean;
}

/** What the rig needs of one connection's scripted server, whatever dialect it speaks. */
export interface ServerSide {
  readonly noreplyErrors: number;
  /** Error lines sent inside a run of quiet meta commands, which name no command: the client must drop the connection. */
  readonly quietErrors?: number;
  readonly auths: number;
  readonly owed: number;
  take(bytes: number): { readonly data: string; readonly completed: number[] };
  receive(written: string): number[];
}

/**
 * One connection's server side, whatever dialect it speaks: reads whole requests as they are written
 * (a line, and the data block of `set`/`ms`), queues reply bytes, and delivers them in pieces, telling
 * which calls' replies each piece completes. A dialect answers requests (`answer`).
 */
export abstract class ScriptedConnection implements ServerSide {
  /** Noreply error lines queued so far (delivered or not). */
  noreplyErrors = 0;
  /** Times this connection was sent the credentials. */
  auths = 0;
  protected output = '';
  /** Offset in `output` up to which bytes were delivered. */
  private sent = 0;
  /** Where each call's reply ends in `output`, oldest first; dropped once delivered. */
  private readonly ends: Array<{ readonly id: number; readonly end: number }> = [];
  private input = '';

  constructor(protected readonly traits: ServerTraits) {}

  /** Reply bytes owed and not yet delivered. */
  get owed(): number {
    return this.output.length - this.sent;
  }

  /** Takes up to `bytes` owed bytes for delivery; returns them and the calls whose replies they complete. */
  take(bytes: number): { readonly data: string; readonly completed: number[] } {
    const data = this.output.slice(this.sent, this.sent + bytes);
    this.sent += data.length;
    const completed: number[] = [];
    while (this.ends.length > 0 && (this.ends[0]?.end ?? Infinity) <= this.sent) completed.push(this.ends.shift()?.id ?? -1);
    return { data, completed };
  }

  /** Parses whole requests out of what was written; returns the call ids of the requests, in order. */
  receive(written: string): number[] {
    this.input += written;
    const ids: number[] = [];
    for (;;) {
      const eol = this.input.indexOf('\r\n');
      if (eol < 0) return ids;
      const [verb = '', ...args] = this.input.slice(0, eol).split(' ');
      // A data block follows `set <key> <flags> <exptime> <bytes>` and `ms <key> <bytes>`.
      const block = verb === 'set' ? Number(args[3]) : verb === 'ms' ? Number(args[1]) : undefined;
      const end = eol + 2 + (block === undefined ? 0 : block + 2);
      if (this.input.length < end) return ids;
      this.input = this.input.slice(end);
      const id = this.answer(verb, args);
      if (id !== undefined) ids.push(id);
    }
  }

  /** Answers one request; returns the call it belongs to (none for `mn` and the credentials). */
  protected abstract answer(verb: string, args: string[]): number | undefined;

  /** The credentials (`set auth …`, sent ahead of every call on a server that asks): stored. */
  protected credentials(verb: string, args: readonly string[]): boolean {
    if (verb !== 'set' || args[0] !== 'auth' || !this.traits.auth) return false;
    this.auths++;
    this.output += 'STORED\r\n';
    return true;
  }

  /** A text multi-get of call `id`'s keys (`k<id>x<j>` reads call id + j's value), in either dialect. */
  protected multiGet(id: number, keys: readonly string[]): void {
    for (const key of keys) {
      const n = key.includes('x') ? id + Number(key.split('x')[1]) : id;
      if (hit(n)) this.output += `VALUE ${key} 16 ${valueOf(n).length}\r\n${valueOf(n)}\r\n`;
    }
    this.reply(id, 'END\r\n');
  }

  /** Call `id`'s reply ends with `last`: delivered up to there, the call has all of it. */
  protected reply(id: number, last: string): void {
    this.output += last;
    this.ends.push({ id, end: this.output.length });
  }

  /** Call `id` was answered by silence: delivered up to here (an `MN` just queued), the call has proof. */
  protected proven(id: number): void {
    this.ends.push({ id, end: this.output.length });
  }
}

/** One connection's text-speaking server side. */
export class FakeConnection extends ScriptedConnection {
  protected answer(verb: string, args: string[]): number | undefined {
    const noreply = args[args.length - 1] === 'noreply';
    if (verb === 'mn') {
      this.output += this.traits.knowsMn ? 'MN\r\n' : 'ERROR\r\n';
      return undefined;
    }
    if (this.credentials(verb, args)) return undefined;
    const id = idOf(args[0] ?? '');
    if (verb === 'get') {
      this.multiGet(id, args);
    } else if (verb === 'set' && noreply) {
      // Without a sentinel nothing could tell this error from a later command's reply: an old server sends none here.
      if (id % 5 === 0 && this.traits.knowsMn) {
        this.output += `SERVER_ERROR ${NOREPLY_ERROR}\r\n`;
        this.noreplyErrors++;
      }
    } else if (verb === 'set') {
      this.reply(id, id % 7 === 0 ? `SERVER_ERROR ${REPLY_ERROR}\r\n` : id % 2 === 0 ? 'STORED\r\n' : 'NOT_STORED\r\n');
    } else if (verb === 'delete' && !noreply) {
      this.reply(id, id % 2 === 0 ? 'DELETED\r\n' : 'NOT_FOUND\r\n');
    }
    return id;
  }
}
