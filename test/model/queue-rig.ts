import { isDeepStrictEqual } from 'node:util';
import { Subject, type Observable, type Subscription } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { createFakeTransport, type FakeTransport } from '../../marbles/fake-transport.js';
import {
  Client,
  MemcacheClosedError,
  MemcacheConnectionError,
  MemcacheServerError,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
} from '../../src/index.js';
import { describeOutcome } from './memcache-model.js';
import { FakeConnection, LARGE, MANY, NOREPLY_ERROR, ownReply, type CallKind, type OwnReply } from './fake-memcached.js';

// The client on a fake transport in RxJS virtual time, driven step by step by the queue model: the
// test decides when reply bytes arrive and in which pieces, when time passes, who unsubscribes and
// when the connection dies. Every rule a call's outcome or a write must obey is checked as it happens.

export const TIMEOUT = 1000;
const SERVER = '127.0.0.1:1';

export interface RigSetup {
  readonly maxPipeline: number;
  /** When the fake socket connects: during subscribe, or after some virtual ms. */
  readonly connectAfter: 'sync' | number;
}

/** A call to issue, and optionally one more issued from inside its subscriber. */
export interface CallSpec {
  readonly kind: CallKind;
  readonly child?: { readonly on: 'next' | 'complete' | 'error'; readonly spec: CallSpec } | undefined;
}

interface RigCall {
  readonly id: number;
  readonly kind: CallKind;
  readonly deadline: number;
  readonly own: OwnReply;
  state: 'pending' | 'settled' | 'cancelled';
  written: boolean;
  subscription: Subscription | undefined;
}

export class QueueRig {
  readonly client: Client;
  readonly fake: FakeTransport;
  readonly violations: string[] = [];
  readonly calls: RigCall[] = [];
  /** Outcomes the client reported on events$: one per settled call, never one for a cancelled call. */
  commandEvents = 0;
  readonly noreplyErrors: unknown[] = [];
  closing = false;
  private readonly subjects: Array<Subject<Buffer>> = [];
  private readonly servers: FakeConnection[] = [];
  private readonly lastWritten: number[] = [];

  constructor(
    readonly scheduler: TestScheduler,
    setup: RigSetup,
  ) {
    this.fake = createFakeTransport({
      scheduler,
      connectAfter: setup.connectAfter,
      replies: (n) => (this.subjects[n] = new Subject<Buffer>()),
      respond: (written, n) => this.onWrite(written, n),
    });
    this.client = new Client(SERVER, { timeout: TIMEOUT, connectTimeout: TIMEOUT, maxPipeline: setup.maxPipeline }, this.fake.transport);
    this.client.events$.subscribe((event) => {
      if (event.type === 'command') this.commandEvents++;
    });
    this.client.noreplyErrors$.subscribe((error) => this.noreplyErrors.push(error));
  }

  get now(): number {
    return this.scheduler.now();
  }

  /** Subscribes a call now; its child (if any) is subscribed from inside its `next`, `complete` or `error`. */
  issue(spec: CallSpec): void {
    const id = this.calls.length;
    const call: RigCall = { id, kind: spec.kind, deadline: this.now + TIMEOUT, own: ownReply(spec.kind, id), state: 'pending', written: false, subscription: undefined };
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

  /** Sends up to `bytes` of the reply bytes owed on the current connection, cut into `pieces` chunks. */
  deliver(bytes: number | 'all', pieces: number): void {
    const n = this.subjects.length - 1;
    const server = this.servers[n];
    const subject = this.subjects[n];
    if (server === undefined || subject === undefined || !this.isOpen(n)) return;
    const size = bytes === 'all' ? server.pending.length : Math.min(bytes, server.pending.length);
    const data = server.pending.slice(0, size);
    server.pending = server.pending.slice(size);
    const step = Math.max(1, Math.ceil(data.length / pieces));
    for (let at = 0; at < data.length; at += step) subject.next(Buffer.from(data.slice(at, at + step), 'latin1'));
  }

  /** The server resets or closes the current connection. */
  drop(how: 'reset' | 'close'): void {
    const n = this.subjects.length - 1;
    const subject = this.subjects[n];
    if (subject === undefined || !this.isOpen(n)) return;
    if (how === 'reset') subject.error(new Error('read ECONNRESET'));
    else subject.complete();
  }

  /** Runs what is due now (end of the current tick), then lets `ms` of virtual time pass. */
  advance(ms: number): void {
    const target = this.now + ms;
    this.scheduler.maxFrames = target;
    if (ms > 0) this.scheduler.schedule(() => undefined, ms);
    this.scheduler.flush();
  }

  /**
   * Ends the run even when a step threw: what is due now still runs. RxJS's asapScheduler is a global
   * that stays stuck if an "immediate" it asked the TestScheduler for never runs, which would freeze
   * every later run's writes.
   */
  dispose(): void {
    this.client.destroy();
    this.scheduler.maxFrames = this.now;
    this.scheduler.flush();
  }

  isOpen(n: number): boolean {
    return this.fake.connections[n]?.unsubscribedAt === undefined;
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

  /** Checks one outcome against the call's own reply and its deadline. */
  private settle(call: RigCall, outcome: { kind: 'value'; value: unknown } | { kind: 'error'; error: unknown }): void {
    const at = `#${call.id} ${call.kind} at ${this.now}`;
    if (call.state !== 'pending') this.violations.push(`${at}: settled again (state ${call.state}) with ${describeOutcome(outcome)}`);
    call.state = 'settled';
    if (this.now > call.deadline) this.violations.push(`${at}: settled after its deadline ${call.deadline}`);
    const problem = outcome.kind === 'value' ? this.wrongValue(call, outcome.value) : this.wrongError(call, outcome.error);
    if (problem !== undefined) this.violations.push(`${at}: ${problem}`);
  }

  private wrongValue(call: RigCall, value: unknown): string | undefined {
    if (call.own.kind === 'value' && isDeepStrictEqual(value, call.own.value)) return undefined;
    return `got ${describeOutcome({ kind: 'value', value })}, its own reply is ${JSON.stringify(call.own, (_, v: unknown) => (v instanceof Map ? [...v] : v))}`;
  }

  private wrongError(call: RigCall, error: unknown): string | undefined {
    const got = `got ${describeOutcome({ kind: 'error', error })}`;
    // Issue 9, A.2: no command may fail with a timeout before its own timeout has passed.
    if (error instanceof MemcacheTimeoutError) return this.now < call.deadline ? `${got} before its own deadline ${call.deadline}` : undefined;
    if (error instanceof MemcacheConnectionError || error instanceof MemcacheUnexpectedCloseError) return undefined;
    if (error instanceof MemcacheClosedError) return this.closing ? undefined : `${got} before close()`;
    if (error instanceof MemcacheServerError && call.own.kind === 'serverError' && error.message.includes(call.own.message)) return undefined;
    return `${got}, its own reply is ${JSON.stringify(call.own)}`;
  }

  /** The fake server saw a write: every request in it must be live, in time, once, and in subscription order. */
  private onWrite(written: string, n: number): undefined {
    this.servers[n] ??= new FakeConnection();
    for (const id of (this.servers[n] as FakeConnection).receive(written)) {
      const call = this.calls[id];
      const at = `#${id} ${call?.kind ?? '?'} written at ${this.now} on connection ${n}`;
      if (call === undefined) this.violations.push(`${at}: no such call`);
      else if (call.state === 'cancelled') this.violations.push(`${at}: after it was unsubscribed`);
      else if (this.now >= call.deadline) this.violations.push(`${at}: at or after its deadline ${call.deadline}`);
      if (call?.written === true) this.violations.push(`${at}: written twice`);
      if (id <= (this.lastWritten[n] ?? -1)) this.violations.push(`${at}: after #${this.lastWritten[n] ?? -1} (out of subscription order)`);
      if (call !== undefined) call.written = true;
      this.lastWritten[n] = Math.max(id, this.lastWritten[n] ?? -1);
    }
    return undefined;
  }

  /** Noreply error lines the fake server queued on every connection. */
  noreplyErrorsSent(): number {
    return this.servers.reduce((sum, s) => sum + s.noreplyErrors, 0);
  }

  /** Every noreplyErrors$ error must be one the server sent for a noreply command. */
  strayNoreplyErrors(): unknown[] {
    return this.noreplyErrors.filter((e) => !(e instanceof MemcacheServerError) || !e.message.includes(NOREPLY_ERROR));
  }
}
