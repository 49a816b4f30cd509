import { setTimeout as sleep } from 'node:timers/promises';
import { EMPTY, catchError, concatMap, from, mergeMap, tap, type Observable } from 'rxjs';
import type { Client } from '../../src/index.js';
import type { Call } from './memcache-model.js';
import type { Outcome } from './outcomes.js';
import { valueFor, type CommandNode, type Op, type PipeNode, type Program, type ProgramNode } from './program.js';

// Runs a program against a real Client and records, per call, its place in subscription order and
// what it got. Every call is counted from subscription until it settles or is unsubscribed, so
// "all settled" is known exactly and a hang is reported instead of waited out.

/** A cas token a gets handed to its children. */
interface Token {
  readonly key: string;
  readonly cas: string;
}

export interface ProgramRun {
  readonly calls: readonly Call[];
  /** Calls still open when the time limit passed. */
  readonly hung: boolean;
  /** What no single call's outcome shows: a call that settled twice. */
  readonly problems: readonly string[];
}

/** Runs the program; resolves once every call settled or was unsubscribed, or after `limitMs`. */
export async function runProgram(client: Client, program: Program, limitMs: number): Promise<ProgramRun> {
  const interpreter = new Interpreter(client);
  const idle = interpreter.idle();
  for (const root of program.roots) {
    if (root.start === 'turn') await new Promise<void>((resolve) => setImmediate(resolve));
    else if (root.start === 'wait') await sleep(2);
    interpreter.start(root.node, undefined);
  }
  interpreter.startsDone();
  // The limit's timer is cancelled once the program is done, so finished programs leave no timers behind.
  const limit = new AbortController();
  const hung = await Promise.race([idle.then(() => false), sleep(limitMs, true, { signal: limit.signal })]);
  limit.abort();
  return { calls: interpreter.calls, hung, problems: interpreter.problems };
}

class Interpreter {
  readonly calls: Call[] = [];
  readonly problems: string[] = [];
  private seq = 0;
  /** Calls not yet settled or unsubscribed, plus starts scheduled for later. */
  private open = 0;
  private starting = true;
  private onIdle: () => void = () => undefined;
  private readonly latestToken = new Map<string, string>();

  constructor(private readonly client: Client) {}

  idle(): Promise<void> {
    return new Promise((resolve) => (this.onIdle = resolve));
  }

  startsDone(): void {
    this.starting = false;
    this.release(0);
  }

  start(node: ProgramNode, token: Token | undefined): void {
    if (node.type === 'pipe') this.startPipe(node);
    else if (node.via === 'await') this.startAwaited(node, token);
    else this.startSubscribed(node, token);
  }

  private startSubscribed(node: CommandNode, inherited: Token | undefined): void {
    this.open++;
    const { call, command } = this.begin(node.op, inherited);
    let finished = false;
    const finish = (): void => {
      finished = true;
      this.release(1);
    };
    const subscription = command.subscribe({
      next: (value) => {
        this.settle(call, { kind: 'value', value });
        this.spawn(node.children.filter((c) => c.on !== 'complete'), this.tokenOf(call));
      },
      error: (error: unknown) => {
        this.settle(call, { kind: 'error', error });
        finish();
      },
      complete: () => {
        this.spawn(node.children.filter((c) => c.on === 'complete'), this.tokenOf(call));
        finish();
      },
    });
    if (node.cancel === undefined) return;
    const cancel = (): void => {
      if (finished) return;
      subscription.unsubscribe();
      call.cancelled = true;
      finish();
    };
    this.later(node.cancel, cancel);
  }

  private startAwaited(node: CommandNode, inherited: Token | undefined): void {
    this.open++;
    const { call, command } = this.begin(node.op, inherited);
    command.then(
      (value) => {
        this.settle(call, { kind: 'value', value });
        this.spawn(node.children, this.tokenOf(call));
        this.release(1);
      },
      (error: unknown) => {
        this.settle(call, { kind: 'error', error });
        this.release(1);
      },
    );
  }

  /** Every call of a pipeline is subscribed by concatMap / mergeMap; one failing call does not stop the rest. */
  private startPipe(node: PipeNode): void {
    this.open++;
    const flatten = node.flatten === 'concatMap' ? concatMap : mergeMap;
    from(node.ops)
      .pipe(
        flatten((op) => {
          const { call, command } = this.begin(op, undefined);
          return command.pipe(
            tap({ next: (value) => this.settle(call, { kind: 'value', value }), error: (error: unknown) => this.settle(call, { kind: 'error', error }) }),
            catchError(() => EMPTY),
          );
        }),
      )
      .subscribe({ complete: () => this.release(1) });
  }

  /** Children start now (`next`, `complete`) or a microtask / an event-loop turn later. */
  private spawn(children: readonly ProgramNode[], token: Token | undefined): void {
    for (const child of children) {
      if (child.on === 'next' || child.on === 'complete') this.start(child, token);
      else {
        this.open++;
        this.later(child.on === 'microtask' ? 'microtask' : 'turn', () => {
          this.start(child, token);
          this.release(1);
        });
      }
    }
  }

  private later(when: 'sync' | 'microtask' | 'turn', work: () => void): void {
    if (when === 'sync') work();
    else if (when === 'microtask') queueMicrotask(work);
    else setImmediate(work);
  }

  /** Numbers the call and builds its command; the caller subscribes to it at once, so `seq` is subscription order. */
  private begin(op: Op, inherited: Token | undefined): { call: Call; command: Observable<unknown> & PromiseLike<unknown> } {
    const seq = this.seq++;
    const value = 'size' in op ? valueFor(seq, op.size) : undefined;
    const token = op.kind === 'cas' ? (inherited?.key === op.key ? inherited.cas : (this.latestToken.get(op.key) ?? '0')) : undefined;
    const call: Call = { seq, op, value, token, outcome: { kind: 'pending' }, cancelled: false };
    this.calls.push(call);
    return { call, command: this.command(op, seq, value ?? '', token ?? '0') };
  }

  private command(op: Op, seq: number, value: string, token: string): Observable<unknown> & PromiseLike<unknown> {
    const c = this.client;
    switch (op.kind) {
      case 'get':
        return c.get(op.key);
      case 'gets':
        return c.gets(op.key);
      case 'getMany':
        return c.getMany(op.keys);
      case 'getsMany':
        return c.getsMany(op.keys);
      case 'setMany':
        return c.setMany(op.entries.map((e, j) => [e.key, valueFor(seq, e.size, `/${j}`)] as const), { noreply: op.noreply });
      case 'deleteMany':
        return c.deleteMany(op.keys, { noreply: op.noreply });
      case 'set':
      case 'add':
      case 'replace':
      case 'append':
      case 'prepend':
        return c[op.kind](op.key, value, { noreply: op.noreply });
      case 'unsureSet':
        return c.set(op.key, value, { noreply: op.noreply });
      case 'cas':
        return c.cas(op.key, value, token, { noreply: op.noreply });
      case 'counter':
        return c.set(op.key, String(op.start), { noreply: false });
      case 'incr':
        return c.incr(op.key, op.delta, { noreply: op.noreply });
      case 'delete':
        return c.delete(op.key, { noreply: op.noreply });
      case 'touch':
        return c.touch(op.key, 0, { noreply: op.noreply });
    }
  }

  private settle(call: Call, outcome: Outcome): void {
    if (call.outcome.kind !== 'pending') {
      this.problems.push(`#${call.seq} settled twice`);
      return;
    }
    call.outcome = outcome;
    const got = outcome.kind === 'value' ? (outcome.value as { cas?: unknown } | undefined) : undefined;
    if (call.op.kind === 'gets' && typeof got?.cas === 'string') this.latestToken.set(call.op.key, got.cas);
    if (call.op.kind === 'getsMany' && outcome.kind === 'value') {
      for (const [key, hit] of outcome.value as Map<string, { cas: string }>) this.latestToken.set(key, hit.cas);
    }
  }

  private tokenOf(call: Call): Token | undefined {
    const got = call.outcome.kind === 'value' ? (call.outcome.value as { cas?: unknown } | undefined) : undefined;
    return call.op.kind === 'gets' && typeof got?.cas === 'string' ? { key: call.op.key, cas: got.cas } : undefined;
  }

  private release(n: number): void {
    this.open -= n;
    if (this.open === 0 && !this.starting) this.onIdle();
  }
}
