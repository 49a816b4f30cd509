import type { MemoryStore, StoreHit } from './memory-store.js';
import type { RequestCursor } from './request-cursor.js';

/** memcached's `KEY_MAX_LENGTH`: a longer key is "bad command line format". */
export const KEY_MAX_LENGTH = 250;

const CRLF = Buffer.from('\r\n', 'latin1');

/** What became of one command: answered, waiting for bytes the request did not carry, or hung up (`quit`). */
export type Outcome = 'answered' | 'incomplete' | 'hangup';

/** Server-wide settings and counters that are not the store's: what `stats` and `stats settings` report. */
export interface ServerState {
  /** `-m` in bytes; `cache_memlimit` changes it. */
  limitMaxbytes: number;
  verbosity: number;
  bytesRead: number;
  bytesWritten: number;
  currConnections: number;
  totalConnections: number;
  readonly itemSizeMax: number;
  readonly port: number;
}

/**
 * The reply to a request, built as memcached writes it. A command that ends in `noreply` has every
 * reply line suppressed, errors included (memcached 1.6.18's `out_string`; probed: a too-large value
 * or a non-numeric incr sent with noreply gets nothing back).
 */
export class ReplyWriter {
  /** Set per command by {@link noreplyMaybe}. */
  noreply = false;
  private readonly chunks: Buffer[] = [];
  private size = 0;

  /** A reply line; CRLF is added. */
  line(text: string): void {
    if (this.noreply) return;
    this.push(Buffer.from(`${text}\r\n`, 'latin1'));
  }

  /** One `VALUE` block of a retrieval reply (its `END` is a separate line). */
  value(hit: StoreHit, withCas: boolean): void {
    const cas = withCas ? ` ${hit.cas}` : '';
    this.push(Buffer.from(`VALUE ${hit.key} ${hit.flags} ${hit.value.length}${cas}\r\n`, 'latin1'));
    this.push(Buffer.from(hit.value.buffer, hit.value.byteOffset, hit.value.length));
    this.push(CRLF);
  }

  /** A data block after its header line (a meta `VA`): the bytes, then CRLF. */
  data(bytes: Uint8Array): void {
    this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    this.push(CRLF);
  }

  /** Everything written so far, as one buffer. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}

/** What a command handler works with. */
export interface Session {
  readonly store: MemoryStore;
  readonly state: ServerState;
  readonly cursor: RequestCursor;
  readonly reply: ReplyWriter;
}

/** A command's implementation: its tokens (the command word first) in, its reply written to the session. */
export type Handler = (tokens: readonly string[], session: Session) => Outcome;

/** memcached's `set_noreply_maybe`: a last token of `noreply` silences the command. */
export function noreplyMaybe(tokens: readonly string[], reply: ReplyWriter): boolean {
  reply.noreply = tokens[tokens.length - 1] === 'noreply';
  return reply.noreply;
}

/** A key memcached refuses as "bad command line format" (our client refuses it before sending). */
export function badKey(key: string | undefined): boolean {
  return key === undefined || key.length > KEY_MAX_LENGTH;
}

/** Writes the reply line and reports the command answered. */
export function answer(reply: ReplyWriter, text: string): Outcome {
  reply.line(text);
  return 'answered';
}

/** memcached's reply for a command it does not know, or with the wrong number of tokens. */
export const unknown: Handler = (_tokens, { reply }) => answer(reply, 'ERROR');
