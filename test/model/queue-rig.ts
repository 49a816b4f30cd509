import { Subject, VirtualTimeScheduler, type Observable } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createFakeTransport, type FakeTransport } from '../../marbles/fake-transport.js';
import { Client, MemcacheServerError, MemcacheUnknownCommandError } from '../../src/index.js';
import { FakeConnection, LARGE, MANY, NOREPLY_ERROR, ownReply, type CallKind, type ServerTraits } from './fake-memcached.js';
import type { Outcome } from './memcache-model.js';
import { judgeOutcome, judgeWrite, TIMEOUT, type Moment, type RigCall } from './queue-rules.js';

// The client on a fake transport in RxJS virtual time, driven step by step by the queue model: the
// test decides when reply bytes arrive and in which pieces, when time passes, who unsubscribes, when
// a connection dies and when the event loop stalls. Every rule of queue-rules.ts is checked as it happens.
//
// Two virtual schedulers stand in for Node's event loop: `clock` carries the client's timers (its
// `scheduler` option) and the fake socket's, one action per timer; the TestScheduler, in run mode,
// carries RxJS's asapScheduler (the client's end-of-tick writes), always at its frame 0. Keeping them
// apart is what lets a stall run the due timers first and the immediates after the socket was read.

export { TIMEOUT };
const SERVER = '127.0.0.1:1';

export interface RigSetup extends ServerTraits {
  readonly maxPipeline: number;
  /** When the fake socket connects: during subscribe, or after some virtual ms. */
  readonly connectAfter: 'sync' | number;
}

/** A call to issue, and optionally one more issued from inside its subscriber. */
export interface CallSpec {
  readonly kind: CallKind;
  readonly child?: { readonly on: 'next' | 'complete' | 'error'; readonly spec: CallSpec } | undefined;
}

export class QueueRig {
  readonly clock = new VirtualTimeScheduler();
  readonly client: Client;
  readonly fake: FakeTransport;
  readonly violations: string[] = [];
  readonly calls: RigCall[] = [];
  /** Outcomes the client reported on events$: one per settled call, never one for a cancelled call. */
  commandEvents = 0;
  readonly noreplyErrors: unknown[] = [];
  private closed = false;
  private destroyed = false;
  private resumedAt = Number.NEGATIVE_INFINITY;
  private readonly subjects: Array<Subject<Buffer>> = [];
  private readonly servers: FakeConnection[] = [];
  private readonly lastWritten: number[] = [];
  private readonly lastChunkAt: number[] = [];

  constructor(
    private readonly ticks: TestScheduler,
    private readonly setup: RigSetup,
  ) {
    this.fake = createFakeTransport({
      scheduler: this.clock,
      connectAfter: setup.connectAfter,
      replies: (n) => (this.subjects[n] = new Subject<Buffer>()),
      respond: (written, n) => this.onWrite(written, n),
    });
    const auth = setup.auth ? { auth: { username: 'model', password: 'secret' } } : {};
    const options = { timeout: TIMEOUT, connectTimeout: TIMEOUT, maxPipeline: setup.maxPipeline, scheduler: this.clock, ...auth };
    this.client = new Client(SERVER, options, this.fake.transport);
    this.client.events$.subscribe((event) => {
      if (event.type === 'command') this.commandEvents++;
    });
    this.client.noreplyErrors$.subscribe((error) => this.noreplyErrors.push(error));
  }

  get now(): number {
    return this.clock.now();
  }

  /** Timers and immediates still scheduled. */
  get scheduled(): number {
    return this.clock.actions.length + this.ticks.actions.length;
  }

  /** Subscribes a call now; its child (if any) is subscribed from inside its `next`, `complete` or `error`. */
  issue(spec: CallSpec): void {
    const id = this.calls.length;
    const own = ownReply(spec.kind, id);
    const call: RigCall = { id, kind: spec.kind, deadline: this.now + TIMEOUT, own, afterClose: this.closed, state: 'pending', writtenOn: undefined, replyInStall: false, subscription: undefined };
    this.calls.push(call);
    const spawn = (on: 'next' | 'complete' | 'error'): void => {
      if (spec.child?.on === on) this.issue(spec.child.spec);
    };
    call.subscription = this.command(spec.kind, id).subscribe({
      next: (value) => {
        this.settle(call, { kind: 'value', value });
        spawn('next');
      },
      error: (error: unknown) => {
        this.settle(call, { kind: 'error', error });
        spawn('error');
      },
      complete: () => spawn('complete'),
    });
  }

  /** Unsubscribes the `k`-th call still waiting (modulo how many there are). */
  cancel(k: number): void {
    const waiting = this.calls.filter((c) => c.state === 'pending');
    const call = waiting[k % Math.max(1, waiting.length)];
    if (call === undefined) return;
    call.subscription?.unsubscribe();
    if (call.state === 'pending') call.state = 'cancelled';
  }

  /** Sends up to `bytes` of the reply bytes owed on the `k`-th open connection, cut into `pieces` chunks. */
  deliver(k: number, bytes: number | 'all', pieces: number): void {
    const n = this.open()[k % Math.max(1, this.open().length)];
    if (n !== undefined) this.send(n, bytes, pieces);
  }

  /** Sends everything owed on every open connection. */
  deliverAll(): void {
    for (const n of this.open()) this.send(n, 'all', 1);
  }

  /** The server resets or closes the `k`-th open connection. */
  drop(k: number, how: 'reset' | 'close'): void {
    const n = this.open()[k % Math.max(1, this.open().length)];
    const subject = n === undefined ? undefined : this.subjects[n];
    if (how === 'reset') subject?.error(new Error('read ECONNRESET'));
    else subject?.complete();
  }

  /** Runs what is due now (end of the current tick), then lets `ms` of virtual time pass, timer by timer. */
  advance(ms: number): void {
    const target = this.now + ms;
    this.endTick();
    for (let next = this.clock.actions[0]; next !== undefined && next.delay <= target; next = this.clock.actions[0]) {
      this.clock.actions.shift();
      this.clock.frame = next.delay;
      this.execute(next);
      this.endTick();
    }
    this.clock.frame = target;
  }

  /**
   * The application blocks the event loop for `ms` while the server answers everything owed. When the
   * loop resumes, Node runs the timers that came due first, at the late time, then reads the sockets,
   * then runs immediates; what a timer schedules with no delay waits for the next turn.
   */
  stall(ms: number): void {
    this.endTick();
    const resumeAt = this.now + ms;
    // The server answers during the stall: those replies are in the socket before any timer runs.
    const arrived = this.open().map((n) => ({ n, ...(this.servers[n]?.take(Number.POSITIVE_INFINITY) ?? { data: '', completed: [] }) }));
    for (const id of arrived.flatMap((a) => a.completed)) {
      const call = this.calls[id];
      if (call?.state === 'pending') call.replyInStall = true;
    }
    const due = this.clock.actions.filter((action) => action.delay <= resumeAt);
    this.clock.frame = resumeAt;
    this.resumedAt = resumeAt;
    for (const action of due) {
      const at = this.clock.actions.indexOf(action);
      if (at < 0) continue;
      this.clock.actions.splice(at, 1);
      this.execute(action);
    }
    for (const { n, data } of arrived) this.push(n, data, 1);
    this.advance(0);
  }

  /** Runs the immediates (asapScheduler) scheduled so far, and those they schedule. */
  private endTick(): void {
    this.ticks.maxFrames = this.ticks.frame;
    this.ticks.flush();
  }

  private execute(action: (typeof this.clock.actions)[number]): void {
    const error: unknown = action.execute(action.state, action.delay);
    if (error !== undefined) throw error;
  }

  /** `client.close()`: from now on new calls may fail as closed. */
  close(): void {
    this.closed = true;
    void this.client.close();
  }

  /** `client.destroy()`: everything may fail as closed. */
  destroy(): void {
    this.closed = true;
    this.destroyed = true;
    this.client.destroy();
  }

  /** `client.quit()`: the connection is retired after what is in flight; the next call opens a new one. */
  quit(): void {
    this.client.quit().subscribe();
  }

  /**
   * Ends the run even when a step threw: what is due now still runs. RxJS's asapScheduler is a global
   * that stays stuck if an "immediate" it asked the TestScheduler for never runs, which would freeze
   * every later run's writes.
   */
  dispose(): void {
    this.client.destroy();
    this.endTick();
  }

  /** Indexes of the connections whose socket is still open. */
  open(): number[] {
    return this.fake.connections.flatMap((c, n) => (c.unsubscribedAt === undefined ? [n] : []));
  }

  /**
   * What is wrong with noreplyErrors$: every error must be one the server sent for a noreply command
   * (no more of them than it sent), or the notice that the server does not know `mn`.
   */
  noreplyErrorProblem(): string | undefined {
    const sent = this.servers.reduce((sum, s) => sum + s.noreplyErrors, 0);
    const ours = this.noreplyErrors.filter((e) => e instanceof MemcacheServerError && e.message.includes(NOREPLY_ERROR)).length;
    const notices = this.noreplyErrors.filter((e) => e instanceof MemcacheUnknownCommandError && !this.setup.knowsMn).length;
    const stray = this.noreplyErrors.length - ours - notices;
    if (stray === 0 && ours <= sent) return undefined;
    return `noreplyErrors$ got ${ours} noreply errors for ${sent} sent, and ${stray} errors from elsewhere`;
  }

  private send(n: number, bytes: number | 'all', pieces: number): void {
    const server = this.servers[n];
    if (server !== undefined) this.push(n, server.take(bytes === 'all' ? server.owed : bytes).data, pieces);
  }

  /** Hands `data` to connection `n`'s socket in `pieces` chunks (nothing if that socket is gone). */
  private push(n: number, data: string, pieces: number): void {
    const subject = this.subjects[n];
    const step = Math.max(1, Math.ceil(data.length / pieces));
    for (let at = 0; at < data.length && this.fake.connections[n]?.unsubscribedAt === undefined; at += step) {
      this.lastChunkAt[n] = this.now;
      subject?.next(Buffer.from(data.slice(at, at + step), 'latin1'));
    }
  }

  private command(kind: CallKind, id: number): Observable<unknown> {
    const key = `k${id}`;
    switch (kind) {
      case 'get':
        return this.client.get(key);
      case 'getMany':
        return this.client.getMany(Array.from({ length: MANY }, (_, j) => `${key}x${j}`));
      case 'set':
      case 'setNoreply':
        return this.client.set(key, `s${id}`, { noreply: kind === 'setNoreply' });
      case 'setLarge':
      case 'setLargeNoreply':
        return this.client.set(key, `L${id}:`.padEnd(LARGE, 'L'), { noreply: kind === 'setLargeNoreply' });
      case 'delete':
      case 'deleteNoreply':
        return this.client.delete(key, { noreply: kind === 'deleteNoreply' });
    }
  }

  private moment(): Moment {
    return { now: this.now, destroyed: this.destroyed, resumedAt: this.resumedAt, lastChunkAt: (n) => this.lastChunkAt[n] };
  }

  private settle(call: RigCall, outcome: Exclude<Outcome, { kind: 'pending' }>): void {
    const at = `#${call.id} ${call.kind} at ${this.now}`;
    if (call.state !== 'pending') this.violations.push(`${at}: settled again (state ${call.state})`);
    call.state = 'settled';
    const problem = judgeOutcome(call, outcome, this.moment());
    if (problem !== undefined) this.violations.push(`${at}: ${problem}`);
  }

  /** The fake server saw a write: every request in it must be live, in time, once, and in subscription order. */
  private onWrite(written: string, n: number): undefined {
    this.servers[n] ??= new FakeConnection(this.setup);
    for (const id of (this.servers[n] as FakeConnection).receive(written)) {
      const call = this.calls[id];
      for (const wrong of judgeWrite(call, id, this.lastWritten[n] ?? -1, this.now)) {
        this.violations.push(`#${id} ${call?.kind ?? '?'} written at ${this.now} on connection ${n}: ${wrong}`);
      }
      if (call !== undefined) call.writtenOn ??= n;
      this.lastWritten[n] = Math.max(id, this.lastWritten[n] ?? -1);
    }
    return undefined;
  }
}
