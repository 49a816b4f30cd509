import { Subscription, tap } from 'rxjs';
import {
  MemcacheClosedError,
  MemcacheConnectionError,
  MemcacheError,
  MemcacheQueueFullError,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
  toConnectionError,
} from '../errors.js';
import type { Frame } from '../protocol/frames.js';
import { hasLargePart, wireSize } from '../protocol/encode.js';
import { parseFrames } from '../protocol/parse-frames.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';
import { Alarm } from './alarm.js';
import { CommandQueue, type Entry, type MetaForm } from './command-queue.js';
import { handshakeEntry } from './handshake.js';
import { ReconnectGate } from './reconnect-gate.js';
import type { ConnectionHealth } from './health.js';
import type { Writer } from './transport.js';
import { WriteLoop } from './write-loop.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { Lane } from './lane.js';

/** What a dropped link leaves behind: the socket subscription to end and the written commands to fail. */
interface Carried {
  readonly link: Subscription | undefined;
  readonly entries: Entry[];
}

/**
 * One pipelined connection to one server. Commands queue while it connects, go out coalesced once per
 * tick, and their replies come back in order through the command queue. It connects lazily and, once
 * lost, reconnects for whatever still waits to be written.
 */
export class Connection implements Lane {
  private healthState: ConnectionHealth['state'] = 'down';
  private readonly queue: CommandQueue;
  private readonly writes: WriteLoop;
  private link: Subscription | undefined;
  private writer: Writer | undefined;
  private readonly connectTimer: Alarm;
  private readonly alarm: Alarm;
  /** Chunks received: a command written at count N that sees no chunk since met a silent server. */
  private received = 0;
  /** Whether the server accepted the current link (the socket opened), and when. */
  private connected = false;
  private connectedAt = 0;
  /** Whether the current link has answered anything but errors: only that proves the server serves us. */
  private served = false;
  /** The last error line the server sent, quoted when it then closes the connection. */
  private lastServerError: string | undefined;
  private readonly gate: ReconnectGate;
  private closing = false;
  private closed = false;
  private readonly closeWaiters: Array<() => void> = [];
  /** What the queue learned while reading a frame, for the owner to hear after it. */
  private readonly notices: Array<() => void> = [];

  constructor(private readonly settings: ConnectionSettings) {
    const { scheduler, label } = settings;
    this.queue = new CommandQueue(
      settings.maxPipeline,
      {
        // Heard while a frame is being read: told once the queue is consistent again (see onFrame).
        noreplyError: (frame) => {
          if (frame.kind === 'error') this.notices.push(() => settings.onNoreplyError(settings.toError(frame)));
        },
        unsupported: (error) => this.notices.push(() => settings.onSentinelUnsupported(error)),
      },
      label,
      settings.noreplySentinel,
    );
    this.gate = new ReconnectGate(label, settings.backoff);
    this.alarm = new Alarm(scheduler, () => this.check());
    this.connectTimer = new Alarm(scheduler, () => this.connectTimedOut());
    const late = (): MemcacheError => new MemcacheTimeoutError(`no reply from ${label} within ${settings.timeout} ms`);
    this.writes = new WriteLoop(this.queue, scheduler, () => this.received, settings.flushScheduler, late, (error) => this.drop(error), () => this.afterWrite());
  }

  /** Commands waiting to be written, and commands written and awaiting a reply. */
  get load(): { readonly queued: number; readonly inFlight: number } {
    return { queued: this.queue.queued, inFlight: this.queue.inFlight };
  }

  /**
   * Queues a command: its bytes, how to read its reply (none for noreply), and where its outcome goes.
   * `deadline` (scheduler clock) is when it times out, for a command that already waited elsewhere (in a
   * pool); by default `timeout` from now. `metaForm`: see `MetaForm`. Returns the handle to cancel it with.
   */
  submit(
    parts: readonly WirePart[],
    reader: ReplyReader<unknown> | undefined,
    settle: () => void,
    fail: (error: MemcacheError) => void,
    deadline?: number,
    metaForm?: MetaForm,
  ): Entry {
    const now = this.settings.scheduler.now();
    const entry: Entry = { parts, reader, metaForm, size: wireSize(parts), deadline: deadline ?? now + this.settings.timeout, state: 'queued', writtenAt: 0, written: false, mark: 0, settle, fail };
    const refusal = this.refusal(now, entry.size);
    if (refusal !== undefined) {
      entry.state = 'done';
      entry.fail(refusal);
      return entry;
    }
    this.queue.push(entry);
    this.openLink();
    this.alarm.arm(entry.deadline);
    // A large value gains nothing from waiting for company (measured: ~10% faster for 100 KB values);
    // it goes out now, behind whatever was queued before it, so order is kept.
    if (hasLargePart(entry.parts)) this.writes.now();
    else this.writes.soon();
    return entry;
  }

  /** Why a new command cannot be queued now: closed, queue full, or backing off after failed attempts. */
  private refusal(now: number, size: number): MemcacheError | undefined {
    const { label, maxQueue, maxQueueBytes } = this.settings;
    if (this.closing) return new MemcacheClosedError(`connection to ${label} is closed`);
    if (this.queue.queued >= maxQueue) return new MemcacheQueueFullError(`${maxQueue} commands already wait for ${label}`);
    if (this.queue.queued > 0 && this.queue.queuedBytes + size > maxQueueBytes) {
      return new MemcacheQueueFullError(`${this.queue.queuedBytes} bytes already wait for ${label} (maxQueueBytes ${maxQueueBytes})`);
    }
    return this.link === undefined ? this.gate.refusal(now) : undefined;
  }

  /** Whether the command's bytes went to a socket (so the server may have acted on it). */
  written(entry: Entry): boolean {
    return entry.written;
  }

  /** The subscriber is gone: drop the command if unwritten, otherwise read and discard its reply. */
  cancel(entry: Entry): void {
    this.queue.cancel(entry);
  }

  /**
   * Lets what is queued and in flight finish, then closes the socket (after `quit`, so the server
   * frees the connection at once). Replies still owed to commands that already timed out or were
   * unsubscribed are not waited for. Safe to call twice.
   */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.closing = true;
    if (!this.queue.busy) this.finishClose();
    return done;
  }

  /** Fails everything now and closes. Safe to call twice. */
  destroy(error: MemcacheError = new MemcacheClosedError(`connection to ${this.settings.label} was destroyed`)): void {
    this.closing = true;
    this.drop(error);
  }

  private openLink(): void {
    if (this.link !== undefined || this.closed) return;
    const { scheduler, connectTimeout, label } = this.settings;
    this.report({ state: 'connecting', since: scheduler.now() });
    const link = new Subscription();
    this.link = link;
    this.served = false;
    this.connected = false;
    this.lastServerError = undefined;
    this.connectTimer.arm(scheduler.now() + connectTimeout);
    link.add(
      this.settings
        .transport((writer) => this.onConnected(link, writer))
        .pipe(
          tap(() => this.received++),
          parseFrames(this.settings.parserLimits),
        )
        .subscribe({
          next: (frame) => this.onFrame(frame),
          error: (error: unknown) => this.drop(toConnectionError(error, `connection to ${label} failed`), link),
          complete: () => this.drop(new MemcacheUnexpectedCloseError(this.closedMessage()), link),
        }),
    );
  }

  private connectTimedOut(): void {
    if (this.link === undefined || this.writer !== undefined) return;
    const { label, connectTimeout } = this.settings;
    this.drop(new MemcacheTimeoutError(`connecting to ${label} took longer than ${connectTimeout} ms`));
  }

  private onConnected(link: Subscription, writer: Writer): void {
    if (link !== this.link) return;
    this.connectTimer.cancel();
    this.connected = true;
    this.connectedAt = this.settings.scheduler.now();
    this.writer = writer;
    const handshake = this.settings.handshake;
    if (handshake === undefined) this.established();
    else {
      const deadline = this.settings.scheduler.now() + this.settings.timeout;
      this.queue.pushFront(handshakeEntry(handshake, deadline, () => this.established(), (error) => this.drop(error)));
    }
    this.writes.attach(writer);
  }

  private established(): void {
    this.report({ state: 'up', since: this.settings.scheduler.now() });
  }

  private onFrame(frame: Frame): void {
    let done: readonly Entry[];
    try {
      done = this.queue.deliver(frame);
    } catch (error) {
      this.drop(error instanceof MemcacheError ? error : toConnectionError(error, 'reply handling failed'));
      this.tellNotices();
      return;
    }
    if (frame.kind === 'error') this.lastServerError = frame.line.toString('latin1');
    else if (!this.served) {
      this.served = true;
      this.gate.up();
    }
    // The queue is consistent before anyone hears: they may issue new commands right away.
    this.tellNotices();
    // Out of the queue already, with their outcomes: settled in order even if one's subscriber drops the connection.
    for (const entry of done) entry.settle();
    if (this.queue.writable) this.writes.soon();
    else if (this.closing && !this.queue.busy) this.finishClose();
    // Nothing left to watch: with allowExitOnIdle, no timer outlives the last reply (the process may exit).
    if (this.settings.exitOnIdle === true && this.queue.inFlight === 0 && this.queue.queued === 0) this.alarm.cancel();
  }

  private tellNotices(): void {
    for (const notice of this.notices.splice(0)) notice();
  }

  private afterWrite(): void {
    if (this.closing && !this.queue.busy) this.finishClose();
  }

  /** The alarm rang: apply deadlines, and drop the connection if the server has gone silent or slow. */
  private check(): void {
    const { scheduler, label, timeout } = this.settings;
    const now = scheduler.now();
    const failed = this.queue.expire(now, timeout);
    const stuck = this.queue.stuck(now, this.received, timeout);
    const timedOut = new MemcacheTimeoutError(`no reply from ${label} within ${timeout} ms`);
    if (stuck !== undefined) {
      // Everything written behind it would time out too: the connection goes, and what was not yet
      // written moves to the next one. Commands already written fail, whatever time they had left.
      const why = stuck === 'silent' ? `sent nothing for ${timeout} ms` : `did not finish a late reply within a further ${timeout} ms`;
      const error = new MemcacheConnectionError(`${label} ${why}; connection dropped`);
      const carried = this.detach(error, true);
      for (const entry of failed) entry.fail(timedOut);
      this.finishDrop(carried, error);
      return;
    }
    for (const entry of failed) entry.fail(timedOut);
    this.rearm();
    if (this.queue.writable) this.writes.soon();
    else if (this.closing && !this.queue.busy) this.finishClose();
  }

  private rearm(): void {
    const next = this.queue.nextCheck(this.received, this.settings.timeout);
    if (next !== undefined) this.alarm.arm(next);
  }

  /** The link is gone (or must go): fail what it carried; what was not written goes to the next link. */
  private drop(error: MemcacheError, from?: Subscription): void {
    if (from !== undefined && from !== this.link) return;
    this.finishDrop(this.detach(error), error);
  }

  /**
   * Forgets the current link and its written commands before anyone hears of the failure, so a command
   * issued from an error callback opens a fresh connection instead of joining the dying one. Commands not
   * yet written stay queued when a new link may be opened at once (see `ReconnectGate`); otherwise
   * (closing, or backing off from a server that does not serve) they fail with the same error, and new
   * commands fail fast while the backoff lasts. `silent`: dropped because the server stopped answering.
   */
  private detach(error: MemcacheError, silent = false): Carried {
    const link = this.link;
    const now = this.settings.scheduler.now();
    if (link !== undefined) this.gate.lost(this.proven(now), this.connected, error, now, this.lastServerError);
    this.link = undefined;
    this.writer = undefined;
    this.writes.detach();
    this.alarm.cancel();
    this.connectTimer.cancel();
    const backingOff = this.gate.refusal(now) !== undefined;
    const entries = this.queue.takeWritten(this.closing || backingOff);
    if (link !== undefined) {
      const failed = !this.closing && (silent || backingOff || entries.some((entry) => entry.written));
      this.report({ state: 'down', since: now, error, ...(failed ? { failed: true as const } : {}) });
    }
    return { link, entries };
  }

  private finishDrop(carried: Carried, error: MemcacheError): void {
    carried.link?.unsubscribe();
    for (const entry of carried.entries) entry.fail(error);
    if (this.closing) {
      this.finishClose();
      return;
    }
    if (this.queue.pending) this.openLink();
    // Detaching cancelled the alarm; the commands that remain (carried over, or already written to a
    // link opened from a failure callback) still need their deadlines.
    this.rearm();
  }

  /**
   * Whether the lost link showed the server works: it answered something other than an error, or it
   * stayed open for a whole `connectTimeout` (a write-only noreply workload without sentinels gets no
   * answers at all; a server at its connection limit closes within milliseconds).
   */
  private proven(now: number): boolean {
    return this.served || (this.connected && now - this.connectedAt >= this.settings.connectTimeout);
  }

  /** Why the server closed, in its own words when it said something first. */
  private closedMessage(): string {
    const { label } = this.settings;
    const said = this.lastServerError === undefined ? '' : ` after answering "${this.lastServerError}"`;
    const sentinel = this.queue.sentinelUnproven
      ? ' while the `mn` that follows noreply commands was pending (behind a proxy without meta commands, such as twemproxy, set noreplySentinel: false)'
      : '';
    return `${label} closed the connection${said}${sentinel}`;
  }

  private finishClose(): void {
    if (this.closed) return;
    this.closed = true;
    const link = this.link;
    const writer = this.writer;
    this.link = undefined;
    this.writer = undefined;
    this.writes.detach();
    this.alarm.cancel();
    this.connectTimer.cancel();
    // Sending quit lets the server release the connection at once; then the socket goes.
    writer?.end(['quit\r\n']);
    link?.unsubscribe();
    if (this.healthState !== 'down') this.report({ state: 'down', since: this.settings.scheduler.now() });
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }

  private report(health: ConnectionHealth): void {
    this.healthState = health.state;
    this.settings.onHealth(health);
  }
}
