import type { SchedulerLike } from 'rxjs';
import type { MemcacheError, MemcacheUnknownCommandError } from '../errors.js';
import type { Frame } from '../protocol/frames.js';
import type { ParserLimits } from '../protocol/parser.js';
import type { Handshake } from './handshake.js';
import type { ConnectionHealth } from './health.js';
import type { Transport } from './transport.js';

/** Everything a connection needs; the client derives it from its options. */
export interface ConnectionSettings {
  readonly transport: Transport;
  /** Server name for messages, e.g. `127.0.0.1:11211`. */
  readonly label: string;
  /** Per-command deadline in ms, from subscription to reply; `Infinity` for none. */
  readonly timeout: number;
  readonly connectTimeout: number;
  readonly maxPipeline: number;
  /** Whether a `mn` sentinel follows noreply runs (see `ClientOptions.noreplySentinel`). */
  readonly noreplySentinel: boolean;
  readonly parserLimits: ParserLimits;
  /** Clock and timers for deadlines. */
  readonly scheduler: SchedulerLike;
  /**
   * The process may exit while the connection is idle (`allowExitOnIdle`): then its deadline timer is
   * cancelled with the last reply. Otherwise the timer is left to ring once at its deadline (the open
   * socket keeps the process alive anyway), so that a command at a time does not set and clear a timer.
   */
  readonly exitOnIdle?: boolean;
  /** Where "end of this tick" flushes are scheduled, normally `asapScheduler`. */
  readonly flushScheduler: SchedulerLike;
  /** Errors the server sent for noreply commands; they are never handed to another command. */
  readonly onNoreplyError: (error: MemcacheError) => void;
  /** The server does not know `mn`: sentinels are off for this connection. */
  readonly onSentinelUnsupported: (error: MemcacheUnknownCommandError) => void;
  readonly toError: (frame: Frame & { kind: 'error' }) => MemcacheError;
  /** Receives every health change; the owner keeps the subject, so it outlives one connection. */
  readonly onHealth: (health: ConnectionHealth) => void;
  /** Most commands waiting to be written; more fail fast. */
  readonly maxQueue: number;
  /** Most request bytes waiting to be written; more fail fast (a lone command is always admitted). */
  readonly maxQueueBytes: number;
  /** How long to wait before the next connection attempt after `failures` failed ones in a row (ms). */
  readonly backoff: (failures: number) => number;
  /** Sent ahead of everything on each new connection (authentication); the link is up once it succeeds. */
  readonly handshake?: Handshake;
}
