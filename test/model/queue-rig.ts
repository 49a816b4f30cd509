import { Subject } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createFakeTransport, type FakeTransport } from '../../marbles/fake-transport.js';
import { Client } from '../../src/index.js';
import { FakeConnection, ownReply, sendCall, type CallKind, type OwnReply, type ServerSide, type ServerTraits } from './fake-memcached.js';
import type { Outcome } from './outcomes.js';
import { judgeNoreplyErrors, judgeOutcome, judgeWrite, TIMEOUT, type Moment, type RigCall } from './queue-rules.js';
import { VirtualLoop } from './virtual-loop.js';

// The client on a fake transport in RxJS virtual time, driven step by step by the queue model: the
// test decides when reply bytes arrive and in which pieces, when time passes, who unsubscribes, when
// a connection dies and when the event loop stalls. Every rule of queue-rules.ts is checked as it happens.

export { TIMEOUT };
const SERVER = '127.0.0.1:1';

export interface RigSetup extends ServerTraits {
  readonly maxPipeline: number;
  readonly maxQueue: number;
  readonly maxQueueBytes: number;
  /** When the fake socket connects: during subscribe, or after some virtual ms. */
  readonly connectAfter: 'sync' | number;
  /** Another wire dialect than text: the client's protocol, the server that speaks it, and what each call must get. */
  readonly dialect?: {
    readonly protocol: 'meta';
    readonly server: (traits: ServerTraits) => ServerSide;
    readonly own: (kind: CallKind, id: number) => OwnReply;
  };
}

/** A call to issue, and optionally one more issued from inside its subscriber. */
export interface CallSpec {
  readonly kind: CallKind;
  readonly child?: { readonly on: 'next' | 'complete' | 'error'; readonly spec: CallSpec } | undefined;
}

export class QueueRig {
  readonly loop: VirtualLoop;
  readonly client: Client;
  readonly fake: FakeTransport;
  readonly violations: string[] = [];
  readonly calls: RigCall[] = [];
  /** Outcomes the client reported on events$: one per settled call, never one for a cancelled call. */
  commandEvents = 0;
  readonly noreplyErrors: unknown[] = [];
  private closed = false;
  private destroyed = false;
  private readonly subjects: Array<Subject<Buffer>> = [];
  private readonly servers: ServerSide[] = [];
  private readonly lastWritten: number[] = [];
  private readonly lastChunkAt: number[] = [];

  constructor(
    ticks: TestScheduler,
    private readonly setup: RigSetup,
  ) {
    this.loop = new VirtualLoop(ticks);
    this.fake = createFakeTransport({
      scheduler: this.loop.scheduler,
      connectAfter: setup.connectAfter,
      replies: (n) => (this.subjects[n] = new Subject<Buffer>()),
      respond: (written, n) => this.onWrite(written, n),
    });
    const auth = setup.auth ? { auth: { username: 'model', password: 'secret' } } : {};
    const { maxPipeline, maxQueue, maxQueueBytes } = setup;
    const protocol = { protocol: setup.dialect === undefined ? ('text' as const) : setup.dialect.protocol };
    const options = { timeout: TIMEOUT, connectTimeout: TIMEOUT, maxPipeline, maxQueue, maxQueueBytes, scheduler: this.loop.scheduler, ...auth, ...protocol };
    this.client = new Client(SERVER, { ...options, connect: () => this.fake.transport });
    this.client.events$.subscribe((event) => {
      if (event.type === 'command') this.commandEvents++;
    });
    this.client.noreplyErrors$.subscribe((error) => this.noreplyErrors.push(error));
  }

  get now(): number {
    return this.loop.now;
  }

  /** Subscribes a call now; its child (if any) is subscribed from inside its `next`, `complete` or `error`. */
  issue(spec: CallSpec): void {
    const id = this.calls.length;
    const own = (this.setup.dialect?.own ?? ownReply)(spec.kind, id);
    const call: RigCall = { id, kind: spec.kind, deadline: this.now + TIMEOUT, own, afterClose: this.closed, state: 'pending', writtenOn: undefined, replyInStall: false, subscription: undefined };
    this.calls.push(call);
    const spawn = (on: 'next' | 'complete' | 'error'): void => {
      if (spec.child?.on === on) this.issue(spec.child.spec);
    };
    call.subscription = sendCall(this.client, spec.kind, id).subscribe({
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

  /**
   * The application blocks the event loop for `ms` while the server answers everything owed: those
   * replies are in the socket before any timer runs, and the calls they complete must get them.
   */
  stall(ms: number): void {
    this.loop.endTick();
    const arrived = this.open().map((n) => ({ n, ...(this.servers[n]?.take(Number.POSITIVE_INFINITY) ?? { data: '', completed: [] }) }));
    for (const id of arrived.flatMap((a) => a.completed)) {
      const call = this.calls[id];
      if (call?.state === 'pending') call.replyInStall = true;
    }
    this.loop.stall(ms, () => {
      for (const { n, data } of arrived) this.push(n, data, 1);
    });
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
    this.loop.endTick();
  }

  /** Indexes of the connections whose socket is still open. */
  open(): number[] {
    return this.fake.connections.flatMap((c, n) => (c.unsubscribedAt === undefined ? [n] : []));
  }

  /** What is wrong with noreplyErrors$, if anything. */
  noreplyErrorProblem(): string | undefined {
    return judgeNoreplyErrors(this.noreplyErrors, this.servers.reduce((sum, s) => sum + s.noreplyErrors, 0), this.setup.knowsMn);
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

  private moment(): Moment {
    return {
      now: this.now,
      destroyed: this.destroyed,
      resumedAt: this.loop.resumedAt,
      lastChunkAt: (n) => this.lastChunkAt[n],
      waitingBesides: (call) => this.calls.filter((c) => c !== call && c.state === 'pending' && c.writtenOn === undefined).length,
      maxQueue: this.setup.maxQueue,
      desynced: (n) => (n === undefined ? this.servers : [this.servers[n]]).some((server) => (server?.quietErrors ?? 0) > 0),
    };
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
    const server = (this.servers[n] ??= this.setup.dialect?.server(this.setup) ?? new FakeConnection(this.setup));
    const auths = server.auths;
    const ids = server.receive(written);
    if (server.auths > 1 && auths <= 1) this.violations.push(`connection ${n} was sent the credentials twice`);
    for (const id of ids) {
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
