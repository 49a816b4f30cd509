import type { CommandInfo } from '../commands/spec.js';
import type { RoutedKey } from '../cluster/routed-key.js';
import type { ErrorFrame, Frame } from '../protocol/frames.js';
import type { QuietRefusal, ReplyReader, Request } from '../protocol/request.js';

/**
 * A command ready to run: built by a client's surface (keys validated, values serialized, so bad input
 * has already failed), and run by an executor. An executor needs nothing else to send it to one server,
 * split it across servers, retry it, or turn its failure into a miss.
 *
 * @example
 * ```ts
 * if (call.info.read && !call.info.idempotent) console.warn(`${call.info.name} changes the item`);
 * ```
 */
export interface Call<T> {
  readonly info: CommandInfo;
  /**
   * The caller's keys, for routing: the one key (`key` scope), every key (`keys`), or for `server`
   * scope none (every server) or one key that narrows it to that key's server.
   */
  readonly keys: readonly RoutedKey[];
  /** What one server is sent, its reply read straight into the result. */
  readonly request: Request<T>;
  /** Reads: the result when nothing could be read (`ignoreExc`, and a fallback's cue to ask the next client). */
  readonly miss?: () => T;
  /** Whether a result is a miss (FallbackClient asks the next client then). */
  readonly missed?: (result: T) => boolean;
  /** The result when the server closes the connection instead of answering (`shutdown` succeeded). */
  readonly hangUp?: T;
  /** `keys` scope: the same command for some of its keys, and how the parts' results join into one. */
  readonly split?: Split<T>;
}

/**
 * How a multi-key call runs as parts, one per server.
 *
 * @example
 * ```ts
 * const firstHalf = call.split?.part([0, 1, 2]);
 * ```
 */
export interface Split<T> {
  /** The call for the keys at these indexes of `Call.keys` (already checked: it cannot throw). */
  part(indexes: readonly number[]): Call<T>;
  /** One result from the parts' results, in any order. */
  join(parts: readonly T[]): T;
  /** Reads: the indexes of the keys a result has no hit for (a fallback asks the next client for those). */
  missing?(result: T): number[];
}

/**
 * A request whose reply is read as `R`, read on as `T`: the wire form is defined once per command, and
 * each client decides what the caller sees (decoded values, caller keys).
 */
export function mapRequest<R, T>(request: Request<R>, finish: (reply: R) => T): Request<T> {
  const make = request.reader;
  const { name, parts } = request;
  const keys = request.keys ?? 1;
  // Object literals of a few fixed shapes, no spreads: this runs once or twice per command.
  if (make === undefined) {
    // A noreply request settles once written, with the value its reply would have had.
    const noreplyValue = finish(request.noreplyValue as R);
    const { meta, text } = request;
    if (meta !== undefined) return { name, parts, keys, reader: undefined, noreplyValue, meta: () => mapRequest(meta(), finish) };
    if (text !== undefined) return { name, parts, keys, reader: undefined, noreplyValue, text: () => mapRequest(text(), finish) };
    return { name, parts, keys, reader: undefined, noreplyValue };
  }
  const reader = (): ReplyReader<T> => {
    const inner = make();
    return inner.claims === undefined ? new MappedReader(inner, finish) : new QuietMappedReader(inner, finish);
  };
  // `protocol: 'auto'` only: the other form, mapped the same way when it is built.
  const { meta, text } = request;
  if (meta !== undefined) return { name, parts, keys, reader, meta: () => mapRequest(meta(), finish) };
  if (text !== undefined) return { name, parts, keys, reader, text: () => mapRequest(text(), finish) };
  return { name, parts, keys, reader };
}

/** A reader whose result is read on by `finish`. */
class MappedReader<R, T> implements ReplyReader<T> {
  constructor(
    protected readonly reader: ReplyReader<R>,
    private readonly finish: (reply: R) => T,
  ) {}

  read(frame: Frame): boolean {
    return this.reader.read(frame);
  }

  result(): T {
    return this.finish(this.reader.result());
  }
}

/** A quiet reader's mapped form: quiet too (methods, not per-reader closures: one is built per command). */
class QuietMappedReader<R, T> extends MappedReader<R, T> {
  claims(frame: Frame): boolean {
    return this.reader.claims?.(frame) === true;
  }

  refusal(frame: ErrorFrame): QuietRefusal | undefined {
    return this.reader.refusal?.(frame);
  }
}
