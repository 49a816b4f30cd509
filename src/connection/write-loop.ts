import type { SchedulerLike, Subscription } from 'rxjs';
import { toConnectionError, type MemcacheError } from '../errors.js';
import type { CommandQueue } from './command-queue.js';
import type { Writer } from './transport.js';

/** Bytes a socket may hold unsent before writes wait for it to drain. */
const BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * Moves commands from the queue to the socket: coalesced once per tick (`soon`), or at once for large
 * values (`now`), always in queue order.
 *
 * A command settles only after its bytes are written, and a subscriber may issue new commands from
 * inside that settlement. Such a command is never written from inside the settlement (it would overtake
 * the rest of the batch) and never starts a nested write (stack depth would grow with nesting): the
 * running pass notices it and takes it in its next round, so writes follow subscription order and the
 * stack stays flat at any depth.
 */
export class WriteLoop {
  private writer: Writer | undefined;
  /** Waiting for the socket to drain: commands stay queued (and counted against `maxQueueBytes`). */
  private held = false;
  private action: Subscription | undefined;
  private running = false;
  private again = false;

  constructor(
    private readonly queue: CommandQueue,
    private readonly clock: SchedulerLike,
    /** Chunks the connection has received so far (see `Entry.mark`). */
    private readonly received: () => number,
    private readonly tick: SchedulerLike,
    private readonly late: () => MemcacheError,
    private readonly onError: (error: MemcacheError) => void,
    private readonly after: () => void,
  ) {}

  /** The socket is open: writes may start. */
  attach(writer: Writer): void {
    this.writer = writer;
    this.held = false;
    this.soon();
  }

  /** The socket is gone: nothing more is written to it. */
  detach(): void {
    this.writer = undefined;
    this.action?.unsubscribe();
    this.action = undefined;
  }

  /** Writes at the end of this tick, together with whatever else is queued by then. */
  soon(): void {
    if (this.action !== undefined || this.writer === undefined || this.running) {
      this.again ||= this.running;
      return;
    }
    this.action = this.tick.schedule(() => {
      this.action = undefined;
      this.now();
    });
  }

  /** Writes what may be written now (or, during a pass, makes that pass go round once more). */
  now(): void {
    if (this.writer === undefined) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      this.rounds();
    } finally {
      this.running = false;
    }
    this.after();
  }

  private rounds(): void {
    do {
      this.again = false;
      const writer = this.writer;
      if (writer === undefined || this.congested(writer)) return;
      const batch = this.queue.take(this.clock.now(), this.received());
      if (batch.parts.length > 0) {
        try {
          writer.write(batch.parts);
        } catch (cause) {
          // Noreply commands were to settle once written: they were not, so they fail with the link.
          const error = toConnectionError(cause, 'writing to the socket failed');
          for (const entry of batch.settled) entry.fail(error);
          this.onError(error);
          return;
        }
      }
      for (const entry of batch.settled) entry.settle();
      if (batch.late.length > 0) {
        const error = this.late();
        for (const entry of batch.late) entry.fail(error);
      }
    } while (this.again && this.writer !== undefined);
  }

  /**
   * A server that reads slowly (or not at all) leaves written bytes in the socket's buffer, where no
   * queue bound sees them. Past `BACKLOG_BYTES` nothing more is written until the socket drains, so
   * waiting commands stay in the queue, where `maxQueueBytes` bounds them.
   */
  private congested(writer: Writer): boolean {
    if (this.held) return true;
    if ((writer.buffered?.() ?? 0) <= BACKLOG_BYTES || writer.whenDrained === undefined) return false;
    this.held = true;
    writer.whenDrained(() => {
      if (this.writer !== writer) return;
      this.held = false;
      this.soon();
    });
    return true;
  }
}
