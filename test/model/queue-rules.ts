import { isDeepStrictEqual } from 'node:util';
import type { Subscription } from 'rxjs';
import {
  MemcacheClosedError,
  MemcacheConnectionError,
  MemcacheQueueFullError,
  MemcacheServerError,
  MemcacheTimeoutError,
  MemcacheUnexpectedCloseError,
  MemcacheUnknownCommandError,
  MemcacheUnknownError,
} from '../../src/index.js';
import { NOREPLY_ERROR, type CallKind, type OwnReply } from './fake-memcached.js';
import { describeOutcome, type Outcome } from './outcomes.js';

// The rules a call's outcome and a request's write must obey in the queue model, as pure checks
// that return what is wrong (or undefined).

export const TIMEOUT = 1000;

/** One call the queue model issued, with what the rig has learned about it. */
export interface RigCall {
  readonly id: number;
  readonly kind: CallKind;
  readonly deadline: number;
  readonly own: OwnReply;
  /** Subscribed after `close()`: it may fail as closed. */
  readonly afterClose: boolean;
  state: 'pending' | 'settled' | 'cancelled';
  /** The connection its request was written on. */
  writtenOn: number | undefined;
  /** Its whole reply arrived while the event loop was stalled: it must get it, whatever the clock says. */
  replyInStall: boolean;
  subscription: Subscription | undefined;
}

/** What the rig knows when an outcome or a write happens. */
export interface Moment {
  readonly now: number;
  readonly destroyed: boolean;
  /** When the last event-loop stall ended: a deadline that passed during it is honoured then. */
  readonly resumedAt: number;
  /** When connection `n` last received a chunk. */
  readonly lastChunkAt: (n: number) => number | undefined;
  /** Calls other than `call` that wait to be written (subscribed, not written, not settled, not cancelled). */
  readonly waitingBesides: (call: RigCall) => number;
  readonly maxQueue: number;
  /**
   * Whether connection `n`'s server sent an error line inside a quiet run (it names no command); for
   * `undefined`, whether any connection's did (a call not yet written fails with its connection's error
   * when the client is closing or backing off).
   */
  readonly desynced: (n: number | undefined) => boolean;
}

/** What is wrong with a call's outcome, if anything. */
export function judgeOutcome(call: RigCall, outcome: Exclude<Outcome, { kind: 'pending' }>, at: Moment): string | undefined {
  if (at.now > Math.max(call.deadline, at.resumedAt)) return `settled after its deadline ${call.deadline}`;
  if (outcome.kind === 'value') {
    if (call.own.kind === 'value' && isDeepStrictEqual(outcome.value, call.own.value)) return undefined;
    return `got ${describeOutcome(outcome)}, its own reply is ${describeOwn(call.own)}`;
  }
  const { error } = outcome;
  const got = `got ${describeOutcome(outcome)}`;
  // Whoever was in flight when an unattributable error line came: the connection went with them.
  if (error instanceof MemcacheUnknownError && at.desynced(call.writtenOn)) return undefined;
  // An error line inside a quiet run with several quiet commands it could belong to: each fails, as maybe refused.
  if (error instanceof MemcacheServerError && at.desynced(call.writtenOn) && error.message.includes('may or may not have taken effect')) return undefined;
  if (call.replyInStall && !(error instanceof MemcacheServerError && !(error instanceof MemcacheUnexpectedCloseError))) {
    return `${got}, although its whole reply had arrived during the stall`;
  }
  // Issue 9, A.2: no command may fail with a timeout before its own timeout has passed.
  if (error instanceof MemcacheTimeoutError) return at.now < call.deadline ? `${got} before its own deadline ${call.deadline}` : undefined;
  if (error instanceof MemcacheConnectionError) return falseSilence(call, error, at);
  if (error instanceof MemcacheUnexpectedCloseError) return undefined;
  if (error instanceof MemcacheQueueFullError) return falseQueueFull(call, error, at);
  if (error instanceof MemcacheClosedError) return call.afterClose || at.destroyed ? undefined : `${got} though it was subscribed before close()`;
  if (error instanceof MemcacheServerError && call.own.kind === 'serverError' && error.message.includes(call.own.message)) return undefined;
  return `${got}, its own reply is ${describeOwn(call.own)}`;
}

/** A connection dropped "for silence" must really have been silent for a whole timeout. */
function falseSilence(call: RigCall, error: MemcacheConnectionError, at: Moment): string | undefined {
  if (!error.message.includes('sent nothing') || call.writtenOn === undefined) return undefined;
  const last = at.lastChunkAt(call.writtenOn);
  if (last === undefined || last <= at.now - TIMEOUT) return undefined;
  return `got "${error.message}" at ${at.now}, but connection ${call.writtenOn} received a chunk at ${last}`;
}

/** The queue is full only when maxQueue calls wait, or (for its byte bound) when anything waits at all. */
function falseQueueFull(call: RigCall, error: MemcacheQueueFullError, at: Moment): string | undefined {
  const waiting = at.waitingBesides(call);
  const full = error.message.includes('bytes') ? waiting > 0 : waiting >= at.maxQueue;
  return full ? undefined : `got "${error.message}" while ${waiting} other calls waited to be written (maxQueue ${at.maxQueue})`;
}

/** What is wrong with writing call `id`'s request on connection `n` now, if anything. */
export function judgeWrite(call: RigCall | undefined, id: number, lastOnConnection: number, now: number): string[] {
  const wrong: string[] = [];
  if (call === undefined) return ['no such call'];
  if (call.state === 'cancelled') wrong.push('after it was unsubscribed');
  else if (now >= call.deadline) wrong.push(`at or after its deadline ${call.deadline}`);
  if (call.writtenOn !== undefined) wrong.push(`again (first on connection ${call.writtenOn})`);
  if (id <= lastOnConnection) wrong.push(`after #${lastOnConnection} (out of subscription order)`);
  return wrong;
}

/**
 * What is wrong with what noreplyErrors$ emitted: each error must be one the server sent for a noreply
 * command (no more than it sent), or the notice that it does not know `mn`.
 */
export function judgeNoreplyErrors(errors: readonly unknown[], sent: number, knowsMn: boolean): string | undefined {
  const ours = errors.filter((e) => e instanceof MemcacheServerError && e.message.includes(NOREPLY_ERROR)).length;
  const notices = errors.filter((e) => e instanceof MemcacheUnknownCommandError && !knowsMn).length;
  const stray = errors.length - ours - notices;
  if (stray === 0 && ours <= sent) return undefined;
  return `noreplyErrors$ got ${ours} noreply errors for ${sent} sent, and ${stray} errors from elsewhere`;
}

function describeOwn(own: OwnReply): string {
  if (own.kind === 'serverError') return `SERVER_ERROR ${own.message}`;
  return describeOutcome({ kind: 'value', value: own.value });
}
