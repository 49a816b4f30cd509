import type { ConnectionSettings } from '../connection/connection-settings.js';
import { Fifo } from '../connection/fifo.js';
import type { Lane } from '../connection/lane.js';
import { MemcacheClosedError, MemcacheError, MemcacheTimeoutError, MemcacheUnexpectedCloseError, MemcacheUnknownError } from '../errors.js';
import { packParts } from '../protocol/encode.js';
import type { Frame } from '../protocol/frames.js';
import { ResponseParser } from '../protocol/parser.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';
import type { TextServer } from './text-server.js';

/** One submitted command: `queued` until it runs (or is cancelled), then `done`. */
interface Job {
  readonly parts: readonly WirePart[];
  readonly reader: ReplyReader<unknown> | undefined;
  readonly settle: () => void;
  readonly fail: (error: MemcacheError) => void;
  state: 'queued' | 'done' | 'cancelled';
  /** Whether the server has run it. */
  written: boolean;
}

/**
 * A `Lane` whose "socket" is an in-memory memcached: a command's request parts, the exact bytes a
 * connection would write, go to the {@link TextServer}; its reply bytes go through the client's own
 * `ResponseParser` into the command's own reader. So the mock shares every byte of encoding and reply
 * reading with a real connection, and only the server is replaced.
 *
 * Commands run and settle synchronously, inside `submit`: user tests need no scheduler flushing or
 * awaiting to see a result, and time only moves when the test moves it. A command submitted while
 * another settles (a subscriber issuing a command from its callback) is queued and run after that
 * callback returns, in order, by the outermost `submit`: no recursion per command, and the store is never
 * entered twice at once. Commands never time out (their `deadline` is ignored): the server answers at once.
 */
export class StoreLane implements Lane {
  private readonly waiting = new Fifo<Job>();
  private queued = 0;
  private draining = false;
  private closed = false;
  private connected = false;
  private readonly closeWaiters: Array<() => void> = [];

  constructor(
    private readonly server: TextServer,
    private readonly settings: ConnectionSettings,
  ) {}

  get load(): { readonly queued: number; readonly inFlight: number } {
    return { queued: this.queued, inFlight: 0 };
  }

  submit(parts: readonly WirePart[], reader: ReplyReader<unknown> | undefined, settle: () => void, fail: (error: MemcacheError) => void): Job {
    const job: Job = { parts, reader, settle, fail, state: 'queued', written: false };
    if (this.closed) {
      job.state = 'done';
      fail(new MemcacheClosedError(`connection to ${this.settings.label} is closed`));
      return job;
    }
    this.waiting.push(job);
    this.queued++;
    if (!this.draining) this.drain();
    return job;
  }

  written(job: Job): boolean {
    return job.written;
  }

  cancel(job: Job): void {
    if (job.state !== 'queued') return;
    job.state = 'cancelled';
    this.queued--;
  }

  close(): Promise<void> {
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.closed = true;
    if (!this.draining) this.finishClose();
    return done;
  }

  destroy(error: MemcacheError = new MemcacheClosedError(`connection to ${this.settings.label} was destroyed`)): void {
    this.closed = true;
    for (let job = this.waiting.shift(); job !== undefined; job = this.waiting.shift()) {
      if (job.state !== 'queued') continue;
      job.state = 'done';
      this.queued--;
      job.fail(error);
    }
    if (!this.draining) this.finishClose();
  }

  /** Runs queued commands until none is left, including those their callbacks submit. */
  private drain(): void {
    this.draining = true;
    let thrown: { readonly error: unknown } | undefined;
    for (let job = this.waiting.shift(); job !== undefined; job = this.waiting.shift()) {
      if (job.state !== 'queued') continue;
      this.queued--;
      try {
        this.run(job);
      } catch (error) {
        // Not ours to swallow, but the commands behind it must still run: rethrown once they have.
        thrown ??= { error };
      }
    }
    this.draining = false;
    if (this.closed) this.finishClose();
    if (thrown !== undefined) throw thrown.error;
  }

  private run(job: Job): void {
    this.connect();
    job.state = 'done';
    job.written = true;
    const served = this.server.serve(Buffer.concat(packParts(job.parts)));
    if (served.outcome === 'hangup') this.disconnected(new MemcacheUnexpectedCloseError(`${this.settings.label} closed the connection`));
    if (job.reader === undefined) {
      this.noreplyErrors(served.reply);
      job.settle();
      return;
    }
    const outcome = readReply(served.reply, job.reader, this.settings);
    if (outcome === 'complete' || outcome instanceof Leftover) {
      job.settle();
      // Frames no command waits for put the stream out of step: a connection drops its link over them.
      if (outcome instanceof Leftover) this.disconnected(new MemcacheUnknownError(`received a ${outcome.frame.kind} frame while no command was waiting`));
    } else if (outcome !== 'short') {
      // A reply the client cannot read makes a connection drop its link, then fail the command.
      this.disconnected(outcome);
      job.fail(outcome);
    } else if (served.outcome === 'hangup') job.fail(new MemcacheUnexpectedCloseError(`${this.settings.label} closed the connection`));
    // The server waits for bytes the request did not carry (a storage command sent by rawCommand, without
    // its data block): a real connection would wait until the command's timeout.
    else job.fail(new MemcacheTimeoutError(`${this.settings.label} is waiting for more of the request: the command would time out`));
  }

  /** memcached sends nothing for noreply commands (not even errors); whatever error it did send goes here. */
  private noreplyErrors(reply: Buffer): void {
    if (reply.length === 0) return;
    for (const frame of parse(reply, this.settings)) if (frame.kind === 'error') this.settings.onNoreplyError(this.settings.toError(frame));
  }

  /** The first command on a new "connection" opens it, as a socket would be opened on demand. */
  private connect(): void {
    if (this.connected) return;
    this.connected = true;
    this.server.connect();
    this.settings.onHealth({ state: 'up', since: this.settings.scheduler.now() });
  }

  /**
   * The connection is gone (`quit`, or a reply the client could not read); the next command opens
   * another. A real connection would also back off before that, failing commands meanwhile: not modelled.
   */
  private disconnected(error: MemcacheError): void {
    if (!this.connected) return;
    this.connected = false;
    this.server.disconnect();
    this.settings.onHealth({ state: 'down', since: this.settings.scheduler.now(), error });
  }

  private finishClose(): void {
    if (this.connected) {
      this.connected = false;
      this.server.disconnect();
      this.settings.onHealth({ state: 'down', since: this.settings.scheduler.now() });
    }
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }
}

/** A complete reply followed by a frame nobody asked for (a `rawCommand` whose `endTokens` end it early). */
class Leftover {
  constructor(readonly frame: Frame) {}
}

/**
 * Hands the reply's frames to the reader: 'complete' when it took a whole reply, a `Leftover` when frames
 * remain after it, 'short' when the frames ran out first, or the error a connection would fail the
 * command with.
 */
function readReply(reply: Buffer, reader: ReplyReader<unknown>, settings: ConnectionSettings): 'complete' | 'short' | Leftover | MemcacheError {
  try {
    const frames = parse(reply, settings);
    if (reader.claims !== undefined) {
      const quiet = quietReply(frames, reader);
      if (quiet !== undefined) return quiet;
    }
    for (let i = 0; i < frames.length; i++) {
      if (!reader.read(frames[i] as Frame)) continue;
      const next = frames[i + 1];
      return next === undefined ? 'complete' : new Leftover(next);
    }
    return 'short';
  } catch (error) {
    return error instanceof MemcacheError ? error : new MemcacheUnknownError(`the reply could not be read: ${String(error)}`, { cause: error });
  }
}

/**
 * A quiet command (`q`) runs alone here, so the `mn` a connection sends after it is not needed: no reply
 * at all is its silent success. A frame it does not claim is settled as a connection settles it: an
 * error line inside a quiet run names no command and drops the connection; any other frame is one no
 * command waits for. Undefined when the command claims its reply, to be read as any other.
 */
function quietReply(frames: readonly Frame[], reader: ReplyReader<unknown>): 'complete' | Leftover | MemcacheError | undefined {
  const first = frames[0];
  if (first === undefined) return 'complete';
  if (reader.claims?.(first) === true) return undefined;
  if (first.kind === 'error') return new MemcacheUnknownError(`an error reply inside a run of quiet commands names no command: ${first.line.toString('latin1')}`);
  return new Leftover(first);
}

/** The reply cut into frames by the client's own parser, with the connection's limits. */
function parse(reply: Buffer, settings: ConnectionSettings): Frame[] {
  const frames: Frame[] = [];
  new ResponseParser(settings.parserLimits).feed(reply, (frame) => frames.push(frame));
  return frames;
}
