import type { MemcacheError } from '../errors.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';

/**
 * One command on one connection, from enqueue to settlement.
 *
 *   toWrite ──write──▶ awaiting ──reply──▶ settled
 *      │ cancel/expire: dropped, never written
 *                         │ cancel/expire: stays in line — its reply is still read and dropped,
 *                         │ so the next command gets its own reply
 */
export interface Entry {
  /** Replaced only by the command's text form (see `MetaForm`), before it is written. */
  parts: readonly WirePart[];
  /** Undefined for noreply commands, which settle once written. */
  reader: ReplyReader<unknown> | undefined;
  /** Present while the command is in a meta form that a failure may make unsafe to write. */
  metaForm?: MetaForm | undefined;
  /** Request bytes, counted against the queue's byte bound while the command waits to be written. */
  readonly size: number;
  /**
   * Part of one connection's set-up (the handshake): never counted against the queue's bounds, and
   * dropped with that connection if it was not written (the next connection brings its own).
   */
  readonly perLink?: true;
  /**
   * Absolute time (scheduler clock) after which the command fails with a timeout; once expired, the
   * time by which its late reply must have been read.
   */
  deadline: number;
  /**
   * queued → written → done, or off to the side: cancelled (dropped before writing), detached
   * (unsubscribed after writing, reply still owed), expired (deadline passed, reply still owed).
   */
  state: 'queued' | 'written' | 'detached' | 'expired' | 'cancelled' | 'done';
  /** When it was written (scheduler clock). */
  writtenAt: number;
  /** Whether its bytes were handed to the socket: from then on the server may have acted on it. */
  written: boolean;
  /** How many chunks the connection had received when it was written: none since means silence. */
  mark: number;
  /** Called once the reply is complete (or, for noreply, once written). */
  settle(): void;
  fail(error: MemcacheError): void;
}

/**
 * A command built as a meta command because its server was believed to speak meta (`protocol: 'auto'`).
 * If that belief has ended by the time the command is written (its connection failed, and the server may
 * have come back as one that speaks only text), it is written in its text form instead: a text-only
 * server answers a meta command with ERROR, and reads an `ms`'s data block as a command of its own.
 */
export interface MetaForm {
  /** The belief it was built under: `holds` turns false for good once the server is no longer believed. */
  readonly belief: { readonly holds: boolean };
  /** The same command in the text protocol; its settlement reads the reader returned here. */
  readonly text: () => { readonly parts: readonly WirePart[]; readonly reader: ReplyReader<unknown> | undefined };
}

/** What `take` hands the connection: bytes to write first, then the commands to settle or fail. */
export interface Batch {
  readonly parts: WirePart[];
  /** Noreply commands: settled once their bytes are written. */
  readonly settled: Entry[];
  /** Commands whose deadline passed before they could be written: failed with a timeout, never written. */
  readonly late: Entry[];
}
