import type { MemcacheError } from '../errors.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';
import type { MetaForm } from './entry.js';

/** Whatever a lane hands back from `submit`, to cancel that command with; opaque to the caller. */
export type LaneTicket = object;

/**
 * What a client runs its commands over: one connection, or a pool of them. The wire-level contract
 * shared by both, so `ClientCore` does not care which it has.
 */
export interface Lane {
  /** Commands waiting (to be written, or for a connection) and commands written awaiting a reply. */
  readonly load: { readonly queued: number; readonly inFlight: number };
  /**
   * Runs a command: its bytes, how to read its reply (none for noreply), and where its outcome goes.
   * `deadline` (scheduler clock) is when it times out; by default the lane's `timeout` from now.
   * `metaForm`: a meta command to be written as text if its server is no longer believed to speak meta.
   */
  submit(
    parts: readonly WirePart[],
    reader: ReplyReader<unknown> | undefined,
    settle: () => void,
    fail: (error: MemcacheError) => void,
    deadline?: number,
    metaForm?: MetaForm,
  ): LaneTicket;
  /** Whether the command was written to a socket: only then may the server have acted on it. */
  written(ticket: LaneTicket): boolean;
  /** The subscriber is gone: drop the command if unwritten, otherwise read and discard its reply. */
  cancel(ticket: LaneTicket): void;
  /** Lets what was submitted finish, then closes. Safe to call twice. */
  close(): Promise<void>;
  /** Fails everything now and closes. Safe to call twice. */
  destroy(error?: MemcacheError): void;
}
