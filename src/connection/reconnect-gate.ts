import { MemcacheConnectionError, type MemcacheError } from '../errors.js';

/**
 * Remembers failed connection attempts and says when the next one may be made: a connection that was up
 * may be retried at once; attempts that never got up wait out a growing, jittered delay meanwhile new
 * commands fail fast instead of piling up on a server that is not there.
 */
export class ReconnectGate {
  private failures = 0;
  private retryAt = Number.NEGATIVE_INFINITY;
  private lastError: MemcacheError | undefined;

  constructor(
    private readonly label: string,
    private readonly backoff: (failures: number) => number,
  ) {}

  /** Why no new connection may be opened at `now`, or undefined. */
  refusal(now: number): MemcacheError | undefined {
    const wait = this.retryAt - now;
    if (wait <= 0) return undefined;
    return new MemcacheConnectionError(`reconnecting to ${this.label} in ${Math.ceil(wait)} ms`, { cause: this.lastError });
  }

  /** The connection got up (connected and, if required, authenticated). */
  up(): void {
    this.failures = 0;
    this.retryAt = Number.NEGATIVE_INFINITY;
  }

  /** The connection was lost; `wasUp` tells a dropped connection from a failed attempt. */
  lost(wasUp: boolean, error: MemcacheError, now: number): void {
    this.lastError = error;
    this.failures = wasUp ? 0 : this.failures + 1;
    this.retryAt = this.failures === 0 ? Number.NEGATIVE_INFINITY : now + this.backoff(this.failures);
  }
}
