import type { ErrorFrame, Frame } from './frames.js';

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
  /**
   * Present on a quiet command's reader when the server may refuse that command with an error line
   * (which carries no opaque token) and still stay in step with the requests: how this command could
   * have sent `frame`, or undefined when it could not have (then the line puts the stream in doubt).
   */
  refusal?(frame: ErrorFrame): QuietRefusal | undefined;
}

/**
 * How a quiet command may have provoked an error line that names no command. `size`: the server refuses
 * exactly the items over a fixed limit, judged by `size`, so among several candidates the largest are
 * the refused ones. `any`: any candidate may be the one.
 */
export type QuietRefusal = { readonly rule: 'size'; readonly size: number } | { readonly rule: 'any' };

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
  /**
   * The same command in the text protocol, when this request is its meta form (`protocol: 'auto'` built
   * it so, the server having been found to speak meta): sent instead where the server's protocol is text.
   */
  readonly text?: () => Request<T>;
}
