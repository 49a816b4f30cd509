import { tracingChannel, type TracingChannel } from 'node:diagnostics_channel';
import type { MemcacheError } from '../errors.js';

/**
 * What the `rxmemcache:command` tracing channel carries for one command. The same object goes through
 * `start`, `end` (the command was queued), `asyncStart`/`asyncEnd` (it settled) and `error`.
 *
 * The dotted fields are OpenTelemetry's database semantic conventions, ready to copy onto a span
 * (`rxmemcache/otel` does). `db.operation.name` is the command as sent on the wire (`get`, `set`, `mg`,
 * `ms`…), like Redis's `HMSET` in the conventions' examples: with `protocol: 'auto'` a `set` may travel as
 * `ms`, and the span says what the server actually ran.
 */
export interface CommandTrace {
  /** Command name: the wire command (`get`, `set`, `delete`, `mg`…), or `setMany`, `deleteMany`, `raw`. */
  readonly command: string;
  /** `host:port` or socket path. */
  readonly server: string;
  /** How many keys the command carries. */
  readonly keys: number;
  /** Request size in bytes. */
  readonly bytesOut: number;
  /** Scheduler time (epoch ms) when the command was subscribed. */
  readonly startedAt: number;
  /** Always `memcached`. */
  readonly 'db.system.name': 'memcached';
  /**
   * The wire command; `BATCH set`, `BATCH delete`, `BATCH ms`, `BATCH md` for a batch of two or more
   * (`setMany`, `deleteMany`). A multi-key `get` is one operation with many keys, not a batch (the
   * conventions' own example: Redis `MGET`). `rawCommand` gives the first word of its line.
   */
  readonly 'db.operation.name': string;
  /** Host name or IP as configured, or the UNIX socket path. */
  readonly 'server.address': string;
  /** TCP port; absent for a UNIX socket. */
  readonly 'server.port'?: number;
  /** Operations in a batch (≥ 2); absent for a single operation. */
  readonly 'db.operation.batch.size'?: number;
  /**
   * The command lines as sent (keys included, data blocks never), joined with `; ` and cut at
   * `maxLength` (default 256) characters: what `rxmemcache/otel` records as `db.query.text` when asked.
   * Built only when called.
   */
  readonly queryText: (maxLength?: number) => string;
  /** Set when it settled. */
  durationMs?: number;
  /** Set when it failed. */
  error?: unknown;
  /**
   * Set when the caller unsubscribed before it settled (a `timeout`, `takeUntil` or `race` of theirs):
   * `asyncStart` and `asyncEnd` are then published with neither result nor error.
   */
  cancelled?: true;
  /** Set when it failed: the error's class name, e.g. `MemcacheTimeoutError` (`_OTHER` if not an Error). */
  'error.type'?: string;
  /** Set when the server answered with an error: `ERROR`, `CLIENT_ERROR` or `SERVER_ERROR`. */
  'db.response.status_code'?: string;
}

/**
 * Node's `diagnostics_channel` tracing channel every command is published on, so OpenTelemetry or any
 * APM can observe commands without patching the client. Typed: subscribers receive `CommandTrace`s
 * (`tracingChannel('rxmemcache:command')` from `node:diagnostics_channel` is the same channel, untyped).
 * Nothing is built when nobody subscribes.
 *
 * @example
 * ```ts
 * commandChannel.subscribe({
 *   start: (t) => console.log('→', t['db.operation.name'], t.server),
 *   asyncEnd: (t) => console.log('←', t.command, t.durationMs),
 *   error: (t) => console.log('✗', t['error.type']),
 *   end: () => {}, asyncStart: () => {},
 * });
 * ```
 */
export const commandChannel: TracingChannel<CommandTrace, CommandTrace> = tracingChannel<CommandTrace, CommandTrace>('rxmemcache:command');

/** Handlers for `traceCommands`: any of the tracing channel's five events. */
export interface CommandTraceHandlers {
  /** The command was subscribed (in the caller's async context). */
  readonly start?: (trace: CommandTrace) => void;
  /** The command was queued. */
  readonly end?: (trace: CommandTrace) => void;
  /** It settled; `durationMs` (and on failure `error`) are set. */
  readonly asyncStart?: (trace: CommandTrace) => void;
  /** It failed; published between `asyncStart` and `asyncEnd`. */
  readonly error?: (trace: CommandTrace) => void;
  /** It settled: the last event of a command. */
  readonly asyncEnd?: (trace: CommandTrace) => void;
}

/**
 * Subscribes to `commandChannel` with only the handlers you need; returns what unsubscribes them.
 *
 * @example
 * ```ts
 * const stop = traceCommands({ asyncEnd: (t) => console.log(t['db.operation.name'], t.durationMs, t['error.type'] ?? 'ok') });
 * // … later
 * stop();
 * ```
 */
export function traceCommands(handlers: CommandTraceHandlers): () => void {
  const ignore = (): void => undefined;
  const subscribers = {
    start: handlers.start ?? ignore,
    end: handlers.end ?? ignore,
    asyncStart: handlers.asyncStart ?? ignore,
    error: handlers.error ?? ignore,
    asyncEnd: handlers.asyncEnd ?? ignore,
  };
  commandChannel.subscribe(subscribers);
  let subscribed = true;
  return () => {
    if (subscribed) commandChannel.unsubscribe(subscribers);
    subscribed = false;
  };
}

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
