import type { SchedulerLike } from 'rxjs';
import type { CommandInfo } from '../commands/spec.js';
import { MemcacheClosedError, MemcacheIllegalInputError } from '../errors.js';

/** An error class, as `retryFor` and `doNotRetryFor` take them: `Error` or any subclass. */
export type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Milliseconds to wait before the next try, given the try that just failed (1 for the first) and its
 * error: a backoff.
 */
export type RetryDelay = (attempt: number, error: unknown) => number;

/**
 * When and how a `RetryingClient` (its `RetryExecutor`) tries a command again.
 *
 * @example
 * ```ts
 * const options: RetryOptions = {
 *   attempts: 3,
 *   retryDelay: (attempt) => 10 * 2 ** (attempt - 1), // 10 ms, then 20 ms
 *   retryFor: [MemcacheConnectionError, MemcacheUnexpectedCloseError, MemcacheTimeoutError],
 * };
 * ```
 */
export interface RetryOptions {
  /** Tries in total, the first included: an integer ≥ 1. Default 2. */
  readonly attempts?: number;
  /** Milliseconds between tries (finite, ≥ 0), or a function of the failed try and its error. Default 0. */
  readonly retryDelay?: number | RetryDelay;
  /** Only errors of these classes are retried. Not together with `doNotRetryFor`. */
  readonly retryFor?: readonly ErrorClass[];
  /** Errors of these classes are never retried. Not together with `retryFor`. */
  readonly doNotRetryFor?: readonly ErrorClass[];
  /**
   * Also retry writes (`set`, `incr`, `append`, `cas`, `delete`, …) that may have reached the server.
   * Default false: a write is retried only when it surely never left this process. The risk when true:
   * a write whose reply was lost ran once already, so its retry runs it twice — a counter counts twice,
   * an append appends twice, an `add` or `cas` that succeeded answers false.
   */
  readonly retryWrites?: boolean;
  /** Where the delays run. Default `asyncScheduler`; a `TestScheduler` makes them virtual. */
  readonly scheduler?: SchedulerLike;
}

/** The options, checked, with their defaults. */
export interface RetryPolicy {
  readonly attempts: number;
  readonly delay: RetryDelay;
  /** Whether this failed try of this command may be tried again. */
  readonly retries: (info: CommandInfo, error: unknown, unsent: boolean) => boolean;
}

/** Checks the options (every mistake is a `MemcacheIllegalInputError`) and gives the policy they describe. */
export function retryPolicy(options: RetryOptions): RetryPolicy {
  const { attempts = 2, retryDelay = 0, retryFor, doNotRetryFor, retryWrites = false } = options;
  if (!Number.isInteger(attempts) || attempts < 1) illegal(`attempts must be an integer ≥ 1, got ${String(attempts)}`);
  if (retryFor !== undefined && doNotRetryFor !== undefined) illegal('give retryFor or doNotRetryFor, not both');
  const only = retryFor === undefined ? undefined : errorClasses(retryFor, 'retryFor');
  const never = errorClasses(doNotRetryFor ?? [], 'doNotRetryFor');
  const delay = typeof retryDelay === 'function' ? checkedDelay(retryDelay) : constantDelay(retryDelay);
  return {
    attempts,
    delay,
    retries: (info, error, unsent) => {
      // The caller's mistakes: no try can end differently.
      if (error instanceof MemcacheIllegalInputError || error instanceof MemcacheClosedError) return false;
      if (only !== undefined && !only.some((c) => error instanceof c)) return false;
      if (never.some((c) => error instanceof c)) return false;
      return info.idempotent || unsent || retryWrites;
    },
  };
}

function errorClasses(list: readonly ErrorClass[], name: string): readonly ErrorClass[] {
  if (!Array.isArray(list)) illegal(`${name} must be an array of error classes`);
  for (const entry of list) {
    const isClass = typeof entry === 'function' && (entry === Error || entry.prototype instanceof Error);
    if (!isClass) illegal(`${name} must hold error classes (Error or a subclass), got ${String(entry)}`);
  }
  return [...list];
}

function constantDelay(ms: number): RetryDelay {
  if (!isDelay(ms)) illegal(`retryDelay must be a finite number of milliseconds ≥ 0, got ${String(ms)}`);
  return () => ms;
}

/** A user's backoff function, whose every answer is checked as a constant delay is. */
function checkedDelay(delay: RetryDelay): RetryDelay {
  return (attempt, error) => {
    const ms = delay(attempt, error);
    if (isDelay(ms)) return ms;
    const message = `retryDelay(${attempt}) returned ${String(ms)}, not a finite number of milliseconds ≥ 0`;
    throw new MemcacheIllegalInputError(message, { cause: error });
  };
}

function isDelay(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0;
}

function illegal(message: string): never {
  throw new MemcacheIllegalInputError(message);
}
