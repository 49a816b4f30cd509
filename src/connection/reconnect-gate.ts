import { MemcacheConnectionError, type MemcacheError } from '../errors.js';

/**
 * Remembers failed connection attempts and says when the next one may be made. A connection that served
 * a reply (or stayed open for a whole `connectTimeout`) proves the server works: after losing it, a new
 * one may be opened at once. Anything else is a
 * failed attempt (refused, timed out, a failed handshake, or a connection the server closed before it
 * answered — memcached at its connection limit accepts and closes): attempts then wait out a growing,
 * jittered delay, meanwhile new commands fail fast instead of piling up on a server that cannot serve
 * them. One exception: the first connection lost before its first reply is retried at once, as a blip on
 * a fresh connection is more likely than a broken server; only the second such loss in a row backs off.
 */
export class ReconnectGate {
  private failures = 0;
  private retryAt = Number.NEGATIVE_INFINITY;
  private lastError: MemcacheError | undefined;
  /**
   * The last error line a failing server sent. Kept across attempts: at its connection limit memcached
   * writes `ERROR Too many open connections` and closes, and the reset that follows can overtake the line,
   * so a later attempt may see only `ECONNRESET`.
   */
  private lastWords: string | undefined;

  constructor(
    private readonly label: string,
    private readonly backoff: (failures: number) => number,
  ) {}

  /** Why no new connection may be opened at `now`, or undefined. */
  refusal(now: number): MemcacheError | undefined {
    const wait = this.retryAt - now;
    if (wait <= 0) return undefined;
    const words = this.lastWords === undefined || this.lastError?.message.includes(this.lastWords) === true ? '' : `; the server last said "${this.lastWords}"`;
    const why = this.lastError === undefined ? '' : ` (last attempt: ${this.lastError.message}${words})`;
    return new MemcacheConnectionError(`reconnecting to ${this.label} in ${Math.ceil(wait)} ms${why}`, { cause: this.lastError });
  }

  /** The connection served a reply. */
  up(): void {
    this.failures = 0;
    this.lastWords = undefined;
    this.retryAt = Number.NEGATIVE_INFINITY;
  }

  /**
   * The connection was lost: `served` when it proved the server works (a dropped connection), else `connected`
   * when the server accepted it before closing it or failing its handshake; `said` is the last error line
   * it sent, if any.
   */
  lost(served: boolean, connected: boolean, error: MemcacheError, now: number, said?: string): void {
    this.lastError = error;
    if (said !== undefined) this.lastWords = said;
    if (served) {
      this.failures = 0;
      this.retryAt = Number.NEGATIVE_INFINITY;
      return;
    }
    this.failures++;
    const blip = connected && this.failures === 1;
    this.retryAt = blip ? Number.NEGATIVE_INFINITY : now + this.backoff(connected ? this.failures - 1 : this.failures);
  }
}
