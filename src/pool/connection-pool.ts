import { Alarm } from '../connection/alarm.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import type { MetaForm } from '../connection/entry.js';
import type { Lane, LaneTicket } from '../connection/lane.js';
import { MemcacheClosedError, MemcacheError } from '../errors.js';
import { wireSize } from '../protocol/encode.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';
import { HealthReporter } from './pool-health.js';
import { isIdle, openMember, type Member } from './pool-member.js';
import type { PoolStats, ResolvedPoolOptions } from './pool-options.js';
import { asWaiter, gaveUp, refusalToWait, WaitingLine, type Waiter } from './waiting-line.js';

/** Where the pool reports its counts (`pool$`), and whether anyone listens; it drops repeated counts. */
export interface StatsSink {
  watched(): boolean;
  changed(stats: PoolStats): void;
}

/**
 * Up to `maxPoolSize` pipelined connections to one server behind the `Lane` contract. A command goes
 * to the least-loaded connection with room (fewer than `maxPipeline` queued and in flight), opening
 * one more while the pool is not full; otherwise it waits, in order, until any command settles.
 * A connection that breaks reconnects by itself and keeps the commands not yet written to it.
 */
export class ConnectionPool implements Lane {
  private readonly members: Member[] = [];
  private readonly waiting = new WaitingLine();
  private readonly alarm: Alarm;
  private pumping = false;
  private closing = false;
  private closed: Promise<void> | undefined;
  private finishClosing: (() => void) | undefined;
  private readonly health: HealthReporter;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly options: ResolvedPoolOptions,
    private readonly stats: StatsSink,
  ) {
    this.alarm = new Alarm(settings.scheduler, () => this.check());
    this.health = new HealthReporter(settings.onHealth, settings.scheduler.now());
  }

  /** Commands waiting (for a connection, or to be written) and commands in flight, over the pool. */
  get load(): { readonly queued: number; readonly inFlight: number } {
    let queued = this.waiting.size;
    let inFlight = 0;
    for (const { connection } of this.members) {
      queued += connection.load.queued;
      inFlight += connection.load.inFlight;
    }
    return { queued, inFlight };
  }

  /** Sends the command on a connection with room, or queues it until one has room. */
  submit(
    parts: readonly WirePart[],
    reader: ReplyReader<unknown> | undefined,
    settle: () => void,
    fail: (error: MemcacheError) => void,
    deadline?: number,
    metaForm?: MetaForm,
  ): LaneTicket {
    const now = this.settings.scheduler.now();
    const due = deadline ?? now + this.settings.timeout;
    const giveUpAt = Math.min(due, now + this.options.acquireTimeout);
    const waiter: Waiter = { parts, reader, metaForm, settle, fail, size: wireSize(parts), deadline: due, giveUpAt, state: 'waiting', connection: undefined, entry: undefined };
    if (this.closing) return this.refuse(waiter, new MemcacheClosedError(`connection pool for ${this.settings.label} is closed`));
    // Behind others already waiting, a newcomer waits too: first come, first served.
    const member = this.waiting.size === 0 ? this.pick() : undefined;
    if (member !== undefined) {
      this.send(waiter, member);
      return waiter;
    }
    const refusal = refusalToWait(this.waiting, waiter.size, this.settings, this.options.maxWaiting);
    if (refusal !== undefined) return this.refuse(waiter, refusal);
    this.waiting.push(waiter);
    this.alarm.arm(waiter.giveUpAt);
    this.publish();
    return waiter;
  }

  /** Whether the command was written by the connection it was sent to. */
  written(ticket: LaneTicket): boolean {
    const { connection, entry } = asWaiter(ticket);
    return connection !== undefined && entry !== undefined && connection.written(entry);
  }

  /** A waiting command leaves and is never sent; a sent one is cancelled on its connection. */
  cancel(ticket: LaneTicket): void {
    const waiter = asWaiter(ticket);
    if (waiter.state === 'waiting') {
      this.waiting.leave(waiter);
      this.publish();
      this.closeIfDrained();
    } else if (waiter.state === 'sent') {
      if (waiter.connection !== undefined && waiter.entry !== undefined) waiter.connection.cancel(waiter.entry);
      // Dropping an unwritten command frees its place for one that waits.
      this.pump();
    }
  }

  /** Lets waiting, queued and in-flight commands finish, then closes every connection. Safe to call twice. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => (this.finishClosing = resolve));
    this.closing = true;
    this.closeIfDrained();
    return this.closed;
  }

  /** Fails waiting commands and everything on every connection now, then closes. Safe to call twice. */
  destroy(error: MemcacheError = new MemcacheClosedError(`connection pool for ${this.settings.label} was destroyed`)): void {
    this.closing = true;
    for (const waiter of this.waiting.drain()) waiter.fail(error);
    for (const { connection } of this.members) connection.destroy(error);
    void this.close();
  }

  /** The least-loaded connection with room, preferring ones that are not failing; or a new one. */
  private pick(): Member | undefined {
    const { maxPipeline } = this.settings;
    let best: Member | undefined;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const member of this.members) {
      const { queued, inFlight } = member.connection.load;
      if (queued + inFlight >= maxPipeline) continue;
      // A connection down after an error may be backing off (it would fail the command at once).
      const score = queued + inFlight + (member.health.state === 'down' && member.health.error !== undefined ? maxPipeline : 0);
      if (score < bestScore) {
        best = member;
        bestScore = score;
      }
    }
    if (best !== undefined && bestScore < maxPipeline) return best;
    if (this.members.length < this.options.maxPoolSize) return this.open();
    return best;
  }

  private send(waiter: Waiter, member: Member): void {
    waiter.state = 'sent';
    member.lastUsed = this.settings.scheduler.now();
    const { connection } = member;
    waiter.entry = connection.submit(
      waiter.parts,
      waiter.reader,
      () => {
        waiter.state = 'gone';
        waiter.settle();
        this.afterCommand(member);
      },
      (error) => {
        waiter.state = 'gone';
        waiter.fail(error);
        this.afterCommand(member);
      },
      waiter.deadline,
      waiter.metaForm,
    );
    waiter.connection = connection;
    this.publish();
  }

  /** A command settled or failed on `member`: its place may go to a waiting command. */
  private afterCommand(member: Member): void {
    const now = this.settings.scheduler.now();
    member.lastUsed = now;
    this.pump();
    if (isIdle(member) && !this.closing) this.alarm.arm(now + this.options.poolIdleTimeout);
    this.publish();
  }

  /** Hands waiting commands, oldest first, to connections with room. Never re-entered. */
  private pump(): void {
    if (this.pumping || this.waiting.size === 0) return;
    this.pumping = true;
    try {
      for (let member = this.pick(); member !== undefined && this.waiting.size > 0; member = this.pick()) {
        const waiter = this.waiting.take();
        if (waiter !== undefined) this.send(waiter, member);
      }
    } finally {
      this.pumping = false;
    }
    this.publish();
    this.closeIfDrained();
  }

  /** The alarm rang: commands that waited too long fail unsent; connections idle too long close. */
  private check(): void {
    const now = this.settings.scheduler.now();
    const expired = this.waiting.expire(now);
    this.closeIdle(now);
    const next = this.waiting.nextExpiry();
    if (next !== undefined) this.alarm.arm(next);
    this.publish();
    for (const waiter of expired) waiter.fail(gaveUp(waiter, this.settings, this.options.acquireTimeout));
    this.closeIfDrained();
  }

  private closeIdle(now: number): void {
    const { poolIdleTimeout } = this.options;
    for (const member of [...this.members]) {
      if (!isIdle(member)) continue;
      if (member.lastUsed + poolIdleTimeout > now) this.alarm.arm(member.lastUsed + poolIdleTimeout);
      else {
        this.members.splice(this.members.indexOf(member), 1);
        void member.connection.close();
      }
    }
  }

  private open(): Member {
    const member = openMember(this.settings, { health: () => this.reportHealth(), freed: () => this.pump() });
    this.members.push(member);
    return member;
  }

  private reportHealth(): void {
    this.health.report(
      this.members.map((m) => m.health),
      this.settings.scheduler.now(),
    );
  }

  /** The counts now; what `pool$` shows a new subscriber. */
  snapshot(): PoolStats {
    let busy = 0;
    for (const member of this.members) if (!isIdle(member)) busy++;
    return { size: this.members.length, busy, waiting: this.waiting.size };
  }

  /** Reports the counts after anything that may change them, only while someone watches (the sink drops repeats). */
  private publish(): void {
    if (this.stats.watched()) this.stats.changed(this.snapshot());
  }

  private closeIfDrained(): void {
    if (!this.closing || this.waiting.size > 0 || this.finishClosing === undefined) return;
    const resolve = this.finishClosing;
    this.finishClosing = undefined;
    // Nothing waits, and closing connections are not closed again for idleness: no timer is needed.
    this.alarm.cancel();
    void Promise.all(this.members.map((m) => m.connection.close())).then(() => {
      this.members.length = 0;
      this.publish();
      this.reportHealth();
      resolve();
    });
  }

  private refuse(waiter: Waiter, error: MemcacheError): Waiter {
    waiter.state = 'gone';
    waiter.fail(error);
    return waiter;
  }
}
