import {
  MemcacheClientError,
  MemcacheError,
  MemcacheServerError,
  MemcacheUnknownCommandError,
  MemcacheUnknownError,
} from '../errors.js';
import { frameBytes, type ErrorFrame, type Frame, type ValueFrame } from '../protocol/frames.js';
import type { ReplyReader } from '../protocol/request.js';

/**
 * Maps an error line to its class: a bare `ERROR` is an unknown command; `ERROR <text>` (e.g. "Too many
 * open connections") is the server's own complaint, so it is a server error, not an unknown command.
 */
export function errorFromFrame(frame: ErrorFrame): MemcacheError {
  switch (frame.type) {
    case 'CLIENT_ERROR':
      return new MemcacheClientError(frame.message);
    case 'SERVER_ERROR':
      return new MemcacheServerError(frame.message);
    case 'ERROR':
      return frame.message === ''
        ? new MemcacheUnknownCommandError('the server does not know this command (ERROR)')
        : new MemcacheServerError(frame.message);
  }
}

function unexpected(frame: Frame, command: string): MemcacheUnknownError {
  const shown = Buffer.concat(frameBytes(frame)).subarray(0, 32).toString('latin1');
  return new MemcacheUnknownError(`unexpected reply to ${command}: ${JSON.stringify(shown)}`);
}

/**
 * Reads `count` one-line replies (one per wire command), mapping each (a map may return the command's
 * own refusal as an error); error lines are kept per slot.
 */
export class LinesReader<T> implements ReplyReader<Array<T | MemcacheError>> {
  private readonly out: Array<T | MemcacheError> = [];

  constructor(
    private readonly command: string,
    private readonly count: number,
    private readonly map: (line: string) => T | MemcacheError | undefined,
  ) {}

  read(frame: Frame): boolean {
    if (frame.kind === 'error') this.out.push(errorFromFrame(frame));
    else if (frame.kind === 'line') {
      const mapped = this.map(frame.line.toString('latin1'));
      if (mapped === undefined) throw unexpected(frame, this.command);
      this.out.push(mapped);
    } else throw unexpected(frame, this.command);
    return this.out.length === this.count;
  }

  result(): Array<T | MemcacheError> {
    return this.out;
  }
}

/** One one-line reply: its mapped value, or its error thrown. */
export class LineReader<T> implements ReplyReader<T> {
  private readonly lines: LinesReader<T>;

  constructor(command: string, map: (line: string) => T | MemcacheError | undefined) {
    this.lines = new LinesReader(command, 1, map);
  }

  read(frame: Frame): boolean {
    return this.lines.read(frame);
  }

  result(): T {
    const [only] = this.lines.result();
    if (only instanceof MemcacheError) throw only;
    return only as T;
  }
}

/**
 * Reads retrieval replies: `VALUE` frames then `END`, once per wire command. Every returned key must be
 * one that was asked for, and only once (each key is asked for once) — anything else means the stream
 * is out of sync, and the connection goes.
 */
export class ValuesReader implements ReplyReader<ValueFrame[]> {
  private readonly values: ValueFrame[] = [];
  private readonly seen = new Set<string>();
  private ends = 0;
  private error: MemcacheError | undefined;

  constructor(
    private readonly command: string,
    private readonly asked: ReadonlySet<string> | ReadonlyMap<string, unknown> | string,
    private readonly commands = 1,
  ) {}

  read(frame: Frame): boolean {
    if (frame.kind === 'value') {
      const known = typeof this.asked === 'string' ? frame.key === this.asked : this.asked.has(frame.key);
      if (!known) throw new MemcacheUnknownError(`${this.command} received a value for a key it did not ask for: ${JSON.stringify(frame.key)}`);
      if (this.seen.has(frame.key)) throw new MemcacheUnknownError(`${this.command} received two values for the key ${JSON.stringify(frame.key)}`);
      this.seen.add(frame.key);
      this.values.push(frame);
      return false;
    }
    if (frame.kind === 'end') this.ends++;
    else if (frame.kind === 'error') {
      this.error ??= errorFromFrame(frame);
      this.ends++;
    } else throw unexpected(frame, this.command);
    return this.ends === this.commands;
  }

  result(): ValueFrame[] {
    if (this.error !== undefined) throw this.error;
    return this.values;
  }
}

/** A stats value after conversion. */
export type StatValue = number | bigint | boolean | string;

/** Reads `STAT <name> <value>` / `ITEM <key> <info>` lines until `END`. */
export class StatsReader implements ReplyReader<Array<readonly [string, string]>> {
  private readonly pairs: Array<readonly [string, string]> = [];
  private error: MemcacheError | undefined;

  read(frame: Frame): boolean {
    if (frame.kind === 'end') return true;
    if (frame.kind === 'error') {
      this.error = errorFromFrame(frame);
      return true;
    }
    if (frame.kind !== 'line') throw unexpected(frame, 'stats');
    const text = frame.line.toString('latin1');
    // `stats reset` answers RESET and `stats detail on|off` OK, alone: no statistics.
    if (this.pairs.length === 0 && (text === 'RESET' || text === 'OK')) return true;
    const [word, name = '', ...rest] = text.split(' ');
    if (word === 'STAT') this.pairs.push([name, rest[0] ?? '']);
    else if (word === 'ITEM') this.pairs.push([name, rest.join(' ')]);
    else throw unexpected(frame, 'stats');
    return false;
  }

  result(): Array<readonly [string, string]> {
    if (this.error !== undefined) throw this.error;
    return this.pairs;
  }
}
