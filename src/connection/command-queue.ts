import { MemcacheUnknownError, type MemcacheError } from '../errors.js';
import type { Frame } from '../protocol/frames.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';
import { Fifo } from './fifo.js';

/**
 * One command on one connection, from enqueue to settlement.
 *
 *   toWrite ──write──▶ awaiting ──reply──▶ settled
 *      │ cancel/expire: dropped, never written
 *                         │ cancel/expire: stays in line — its reply is still read and dropped,
 *                         │ so the next command gets its own reply
 */
export interface Entry {
  readonly parts: readonly WirePart[];
  /** Undefined for noreply commands, which settle once written. */
  readonly reader: ReplyReader<unknown> | undefined;
  /**
   * Absolute time (scheduler clock) after which the command fails with a timeout; once expired, when
   * the connection is next checked for progress.
   */
  deadline: number;
  /**
   * queued → written → done, or off to the side: cancelled (dropped before writing), detached
   * (unsubscribed after writing, reply still owed), expired (deadline passed, reply still owed).
   */
  state: 'queued' | 'written' | 'detached' | 'expired' | 'cancelled' | 'done';
  /** How many chunks the connection had received when this command was written (or last checked). */
  mark: number;
  /** Called once the reply is complete (or, for noreply, once written). */
  settle(): void;
  fail(error: MemcacheError): void;
}

// memcached answers `mn` (meta no-op, ≥ 1.5.19) with `MN`: placed after a run of noreply commands it marks
// where their (normally absent) error replies end, so an error they provoke can never be read as the
// reply of a later command.
const SENTINEL_BYTES = 'mn\r\n';

class SentinelReader implements ReplyReader<void> {
  constructor(private readonly report: (frame: Frame) => void) {}

  read(frame: Frame): boolean {
    if (frame.kind === 'line' && frame.line.length === 2 && frame.line[0] === 0x4d && frame.line[1] === 0x4e) return true;
    if (frame.kind === 'error') {
      this.report(frame);
      return false;
    }
    throw new MemcacheUnknownError(`unexpected ${frame.kind} frame after a noreply command`);
  }

  result(): void {}
}

/**
 * The pipelined correlation queue: commands wait in `toWrite`, move to `awaiting` when written (at most
 * `maxPipeline` at a time), and each reply frame goes to the oldest awaiting command. No I/O, no timers.
 */
export class CommandQueue {
  private readonly toWrite = new Fifo<Entry>();
  private readonly awaiting = new Fifo<Entry>();

  /**
   * @param sentinel place `mn` after noreply runs (off for proxies that do not know it, e.g. twemproxy;
   *   a proxy answers noreply errors itself, so nothing can cross to the next reply there)
   */
  constructor(
    private readonly maxPipeline: number,
    private readonly onNoreplyError: (frame: Frame) => void,
    private readonly sentinel = true,
  ) {}

  get queued(): number {
    return this.toWrite.size;
  }

  get inFlight(): number {
    return this.awaiting.size;
  }

  get idle(): boolean {
    return this.toWrite.size === 0 && this.awaiting.size === 0;
  }

  /** Whether a subscriber still waits on anything; replies owed to settled commands do not count. */
  get busy(): boolean {
    for (const entry of this.toWrite) if (entry.state === 'queued') return true;
    for (const entry of this.awaiting) if (entry.state === 'written') return true;
    return false;
  }

  /** True when there is something to write and room in the pipeline for it. */
  get writable(): boolean {
    return this.toWrite.size > 0 && this.awaiting.size < this.maxPipeline;
  }

  push(entry: Entry): void {
    this.toWrite.push(entry);
  }

  /** Puts a command ahead of everything queued (authentication goes first on a new connection). */
  pushFront(entry: Entry): void {
    this.toWrite.unshift(entry);
  }

  /**
   * Takes the commands that may be written now, in order, and returns their bytes; they become
   * awaiting (noreply ones settle). A sentinel follows every run of noreply commands.
   */
  take(mark: number, now: number, late: Entry[]): WirePart[] {
    const out: WirePart[] = [];
    const settled: Entry[] = [];
    let afterNoreply = false;
    let lastDeadline = Number.POSITIVE_INFINITY;
    while (this.awaiting.size < this.maxPipeline) {
      const entry = this.toWrite.shift();
      if (entry === undefined) break;
      if (entry.state !== 'queued') continue;
      // Past its deadline already (its timer has not fired yet): never write it.
      if (entry.deadline <= now) {
        entry.state = 'cancelled';
        late.push(entry);
        continue;
      }
      lastDeadline = entry.deadline;
      if (entry.reader !== undefined && afterNoreply && this.sentinel) this.addSentinel(out, mark, entry.deadline);
      afterNoreply = entry.reader === undefined;
      for (const part of entry.parts) out.push(part);
      entry.mark = mark;
      if (afterNoreply) {
        entry.state = 'done';
        settled.push(entry);
      } else {
        entry.state = 'written';
        this.awaiting.push(entry);
      }
    }
    if (afterNoreply && this.sentinel) this.addSentinel(out, mark, lastDeadline);
    // Settle after bookkeeping: a subscriber may issue new commands synchronously.
    for (const entry of settled) entry.settle();
    return out;
  }

  /**
   * Hands a frame to the oldest awaiting command.
   * @throws MemcacheUnknownError for a frame no command is waiting for, or one its reader rejects.
   */
  deliver(frame: Frame): void {
    const head = this.awaiting.peek();
    if (head === undefined || head.reader === undefined) {
      throw new MemcacheUnknownError(`received a ${frame.kind} frame while no command was waiting`);
    }
    if (!head.reader.read(frame)) return;
    this.awaiting.shift();
    if (head.state === 'written') {
      head.state = 'done';
      head.settle();
    }
  }

  /** A subscriber went away: a queued command is dropped, a written one is detached. */
  cancel(entry: Entry): void {
    if (entry.state === 'queued') entry.state = 'cancelled';
    else if (entry.state === 'written') entry.state = 'detached';
  }

  /**
   * Applies deadlines without failing anyone yet (the caller may need to retire the connection first,
   * so that commands retried from these failures land on a new one). Queued commands past their
   * deadline are dropped; written ones stay in line for their reply, with one more `recheck` ms of
   * grace. `stuck` is true when an in-flight command came due and not a single chunk has arrived since
   * it was written (a silent server), or when a reply is still not complete after its grace (a server
   * trickling so slowly that everything behind it would time out too).
   */
  expire(now: number, received: number, recheck: number): { readonly failed: Entry[]; readonly stuck: 'silent' | 'slow' | undefined } {
    const failed: Entry[] = [];
    let stuck: 'silent' | 'slow' | undefined;
    for (const entry of this.toWrite) {
      if (entry.state === 'queued' && entry.deadline <= now) {
        entry.state = 'cancelled';
        failed.push(entry);
      }
    }
    for (const entry of this.awaiting) {
      const owed = entry.state === 'written' || entry.state === 'detached' || entry.state === 'expired';
      if (!owed || entry.deadline > now) continue;
      if (entry.state === 'expired') {
        stuck ??= 'slow';
        continue;
      }
      if (entry.state === 'written') failed.push(entry);
      entry.state = 'expired';
      if (entry.mark === received) stuck = 'silent';
      entry.mark = received;
      entry.deadline = now + recheck;
    }
    return { failed, stuck };
  }

  /** The earliest deadline still to be applied, or undefined. */
  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const list of [this.toWrite, this.awaiting]) {
      for (const entry of list) {
        const live = entry.state !== 'cancelled' && entry.state !== 'done';
        if (live && (next === undefined || entry.deadline < next)) next = entry.deadline;
      }
    }
    return next;
  }

  /**
   * Empties the queue (the connection is gone) and returns the commands still waiting for an outcome,
   * marked done, for the caller to fail. Commands pushed afterwards start a clean queue.
   */
  takeAll(): Entry[] {
    const live: Entry[] = [];
    for (const entry of [...this.awaiting.drain(), ...this.toWrite.drain()]) {
      if (entry.state === 'queued' || entry.state === 'written') {
        entry.state = 'done';
        live.push(entry);
      }
    }
    return live;
  }

  /** The sentinel has nobody to settle; it borrows its run's deadline so a silent server is still noticed. */
  private addSentinel(out: WirePart[], mark: number, deadline: number): void {
    out.push(SENTINEL_BYTES);
    this.awaiting.push({
      parts: [SENTINEL_BYTES],
      reader: new SentinelReader(this.onNoreplyError),
      deadline,
      state: 'detached',
      mark,
      settle: () => undefined,
      fail: () => undefined,
    });
  }
}
