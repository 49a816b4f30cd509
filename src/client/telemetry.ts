import { tracingChannel } from 'node:diagnostics_channel';
import type { MemcacheError } from '../errors.js';

/**
 * What the `rxmemcache:command` tracing channel carries for one command. The same object goes through
 * `start`, `end` (the command was queued), `asyncStart`/`asyncEnd` (it settled) and `error`.
 */
export interface CommandTrace {
  /** Command name as on the wire: `get`, `set`, `delete`, … (`setMany`, `deleteMany` for batches). */
  readonly command: string;
  /** `host:port` or socket path. */
  readonly server: string;
  /** How many keys the command carries. */
  readonly keys: number;
  /** Request size in bytes. */
  readonly bytesOut: number;
  /** Scheduler time (epoch ms) when the command was subscribed. */
  readonly startedAt: number;
  /** Set when it settled. */
  durationMs?: number;
  /** Set when it failed. */
  error?: unknown;
}

/**
 * Node's `diagnostics_channel` tracing channel every command is published on, so OpenTelemetry or any
 * APM can observe commands without patching the client. Nothing is built when nobody subscribes.
 *
 * @example
 * ```ts
 * import { tracingChannel } from 'node:diagnostics_channel';
 * tracingChannel('rxmemcache:command').subscribe({
 *   start: (t) => spans.open(t), asyncEnd: (t) => spans.close(t), error: (t) => spans.fail(t),
 *   end: () => {}, asyncStart: () => {},
 * });
 * ```
 */
export const commandChannel = tracingChannel<CommandTrace, CommandTrace>('rxmemcache:command');

/**
 * One thing that happened on a client, as `events$` emits it.
 *
 * @example
 * ```ts
 * client.events$.subscribe((e) => e.type === 'command' && !e.ok && log.warn(e.name, e.error));
 * ```
 */
export type ClientEvent =
  | {
      readonly type: 'command';
      readonly server: string;
      readonly name: string;
      readonly ok: boolean;
      readonly durationMs: number;
      /** The error's code when it failed, e.g. `MEMCACHE_TIMEOUT`. */
      readonly error?: string;
    }
  | { readonly type: 'connecting' | 'up'; readonly server: string }
  /** `protocol: 'auto'` found which protocol the server speaks (`meta`: the classic commands may use it). */
  | { readonly type: 'protocol'; readonly server: string; readonly protocol: 'text' | 'meta' }
  | { readonly type: 'down'; readonly server: string; readonly error?: string };

/** Counters for one server, as `metrics$` emits them. */
export interface ClientMetrics {
  readonly server: string;
  readonly commands: number;
  /** Failed commands by error code. */
  readonly errors: Readonly<Record<string, number>>;
  readonly timeouts: number;
  /** Connection attempts after the first. */
  readonly reconnects: number;
  /** Commands written and awaiting replies, at the time of the snapshot. */
  readonly inFlight: number;
  /** Commands waiting to be written, at the time of the snapshot. */
  readonly queued: number;
}

/** Adds one event to the counters (the in-flight and queued gauges are filled in by the caller). */
export function countEvent(m: ClientMetrics, e: ClientEvent, connects: { n: number }): ClientMetrics {
  if (e.type === 'connecting') {
    connects.n++;
    return connects.n > 1 ? { ...m, reconnects: m.reconnects + 1 } : m;
  }
  if (e.type !== 'command') return m;
  if (e.ok) return { ...m, commands: m.commands + 1 };
  const code = e.error ?? 'UNKNOWN';
  return {
    ...m,
    commands: m.commands + 1,
    errors: { ...m.errors, [code]: (m.errors[code] ?? 0) + 1 },
    timeouts: m.timeouts + (code === 'MEMCACHE_TIMEOUT' ? 1 : 0),
  };
}

/** A command's error code for events. */
export function codeOf(error: unknown): string {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as MemcacheError).code) : 'UNKNOWN';
}
