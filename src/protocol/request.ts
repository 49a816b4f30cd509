import type { Frame } from './frames.js';

/** A piece of a request on the wire: a latin1 string (command lines) or raw bytes (values). */
export type WirePart = string | Uint8Array;

/**
 * Reads one command's reply from the frame stream. One reader per subscription; it keeps its own state.
 */
export interface ReplyReader<T> {
  /**
   * Consumes the next frame of this command's reply and says whether the reply is complete.
   * @throws MemcacheUnknownError when the frame cannot belong to this reply (the stream is out of sync).
   */
  read(frame: Frame): boolean;
  /** The outcome once `read` returned true; throws the command's typed error instead of returning. */
  result(): T;
  /**
   * Present on a quiet command's reader (a meta command sent with `q`, which the server answers only when
   * it has something to say): whether `frame` is this command's reply. A quiet command whose reply never
   * came succeeded silently, which the `mn` fence after it proves; `result()` then gives that outcome.
   */
  claims?(frame: Frame): boolean;
}

/** A command ready to go: its bytes, and how to read its reply (none for noreply). */
export interface Request<T> {
  readonly parts: readonly WirePart[];
  /** Creates the reader for one subscription; `undefined` when the server sends no reply. */
  readonly reader: (() => ReplyReader<T>) | undefined;
  /** The value a noreply command resolves to once written. */
  readonly noreplyValue?: T;
  /** A short name for errors and diagnostics, e.g. `get`. */
  readonly name: string;
  /** How many keys it carries, for diagnostics (1 when absent). */
  readonly keys?: number;
  /**
   * The same command as a meta command, with the same result (`protocol: 'auto'`): the server's executor
   * sends this one instead once it knows the server speaks the meta protocol.
   */
  readonly meta?: () => Request<T>;
}
