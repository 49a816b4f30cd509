import { defer, map, scan, startWith, Subject, type Observable, type SchedulerLike } from 'rxjs';
import { codeOf, commandChannel, countEvent, type ClientEvent, type ClientMetrics, type CommandTrace } from '../client/telemetry.js';
import type { ConnectionHealth } from '../connection/health.js';
import { wireSize } from '../protocol/encode.js';
import type { Request } from '../protocol/request.js';
import type { Load } from './executor.js';
import { errorFields, operationFields, queryText, serverFields, type ServerFields } from './trace-fields.js';

/** Reports a traced command's outcome, once; `cancel()` when it was unsubscribed before it settled. */
export type TraceEnd = ((error: unknown) => void) & { readonly cancel: () => void };

/**
 * One server's diagnostics: the `rxmemcache:command` tracing channel, `events$` and `metrics$`. Nothing
 * is allocated per command while nobody listens.
 */
export class Tracer {
  private readonly eventSubject = new Subject<ClientEvent>();
  /** Every command outcome and connection change on this server. */
  readonly events$: Observable<ClientEvent>;
  private readonly serverFields: ServerFields;

  /** @param socket `server` is a UNIX socket's path (see `serverFields`). */
  constructor(
    private readonly server: string,
    private readonly scheduler: SchedulerLike,
    socket?: boolean,
  ) {
    this.events$ = this.eventSubject.asObservable();
    this.serverFields = serverFields(server, socket);
  }

  /** Counters since subscription, with the load gauges read from `load` after every event. */
  metrics(load: () => Load): Observable<ClientMetrics> {
    return defer(() => {
      const connects = { n: 0 };
      const empty: ClientMetrics = { server: this.server, commands: 0, errors: {}, timeouts: 0, reconnects: 0, inFlight: 0, queued: 0 };
      return this.events$.pipe(
        scan((m, e) => countEvent(m, e, connects), empty),
        startWith(empty),
        map((m) => ({ ...m, ...load() })),
      );
    });
  }

  /**
   * Starts tracing a command when anyone listens; returns what reports its outcome (once), or
   * undefined. Its `cancel` reports a command unsubscribed before it settled, and does nothing after.
   */
  start(name: string, request: Request<unknown>): TraceEnd | undefined {
    const tracing = commandChannel.hasSubscribers;
    if (!tracing && !this.eventSubject.observed) return undefined;
    const startedAt = this.scheduler.now();
    const trace: CommandTrace = {
      command: name,
      server: this.server,
      keys: request.keys ?? 1,
      bytesOut: wireSize(request.parts),
      startedAt,
      'db.system.name': 'memcached',
      ...operationFields(request),
      ...this.serverFields,
      queryText: (maxLength = 256) => queryText(request.parts, maxLength),
    };
    if (tracing) {
      commandChannel.start.publish(trace);
      commandChannel.end.publish(trace);
    }
    let ended = false;
    const settle = (error: unknown): void => {
      if (ended) return;
      ended = true;
      trace.durationMs = this.scheduler.now() - startedAt;
      if (tracing) {
        if (error !== undefined) {
          trace.error = error;
          Object.assign(trace, errorFields(error));
        }
        commandChannel.asyncStart.publish(trace);
        if (error !== undefined) commandChannel.error.publish(trace);
        commandChannel.asyncEnd.publish(trace);
      }
      if (this.eventSubject.observed) {
        const base = { type: 'command', server: this.server, name, ok: error === undefined, durationMs: trace.durationMs } as const;
        this.eventSubject.next(error === undefined ? base : { ...base, error: codeOf(error) });
      }
    };
    // Not an outcome of the command: no event, no error; the channel still closes what it opened.
    const cancel = (): void => {
      if (ended) return;
      ended = true;
      trace.durationMs = this.scheduler.now() - startedAt;
      trace.cancelled = true;
      if (!tracing) return;
      commandChannel.asyncStart.publish(trace);
      commandChannel.asyncEnd.publish(trace);
    };
    return Object.assign(settle, { cancel });
  }

  /** Which protocol `protocol: 'auto'` found the server speaks, as an event. */
  protocol(protocol: 'text' | 'meta'): void {
    if (this.eventSubject.observed) this.eventSubject.next({ type: 'protocol', server: this.server, protocol });
  }

  /** A connection state change, as an event. */
  connection(health: ConnectionHealth): void {
    if (!this.eventSubject.observed || health.state === 'idle') return;
    const down = health.state === 'down' && health.error !== undefined ? { error: health.error.code } : {};
    this.eventSubject.next({ type: health.state, server: this.server, ...down });
  }

  close(): void {
    this.eventSubject.complete();
  }
}
