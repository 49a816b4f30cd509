import { asapScheduler, asyncScheduler, BehaviorSubject, defer, map, scan, startWith, Subject, type Observable, type SchedulerLike } from 'rxjs';
import { errorFromFrame } from '../commands/readers.js';
import { exponentialBackoff } from '../connection/backoff.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import type { Handshake } from '../connection/handshake.js';
import type { ConnectionHealth } from '../connection/health.js';
import type { Lane } from '../connection/lane.js';
import { socketTransport, type Endpoint, type Transport } from '../connection/transport.js';
import { MemcacheAuthError, MemcacheClosedError, MemcacheError, MemcacheIllegalInputError } from '../errors.js';
import { authenticate } from '../commands/definitions.js';
import { wireKey, type Key } from '../protocol/keys.js';
import { wireSize } from '../protocol/encode.js';
import { DEFAULT_PARSER_LIMITS } from '../protocol/parser.js';
import type { Request } from '../protocol/request.js';
import { defaultSerde } from '../serde/default.js';
import { fromFunctions } from '../serde/legacy.js';
import type { Serde } from '../serde/types.js';
import { Command, rejected } from './command.js';
import { codeOf, commandChannel, countEvent, type ClientEvent, type ClientMetrics, type CommandTrace } from './telemetry.js';
import { resolveOptions, type ClientOptions, type ResolvedOptions } from './options.js';
import { endpointLabel, parseServerSpec, type ServerSpec } from './server-spec.js';

/** How a command's reply becomes its result, and what it reads as when errors count as misses. */
export interface Outcome<R, T> {
  readonly finish: (reply: R) => T;
  /** Present for read commands: the miss that `ignoreExc` substitutes for an error. */
  readonly miss?: () => T;
}

/**
 * The plumbing under `Client`: options, the lazily opened connection, health, lifecycle, and `run`,
 * which turns a request into a cold `Command`. No protocol knowledge lives here.
 */
export class ClientCore<V> {
  /** The normalised server address. */
  readonly endpoint: Endpoint;
  /** `host:port` or the socket path. */
  readonly server: string;
  protected readonly opts: ResolvedOptions;
  protected readonly serde: Serde<V>;
  private readonly scheduler: SchedulerLike;
  private readonly transport: Transport;
  private readonly healthSubject: BehaviorSubject<ConnectionHealth>;
  private readonly noreplyErrorSubject = new Subject<MemcacheError>();
  private readonly eventSubject = new Subject<ClientEvent>();
  private lane: Lane | undefined;
  private readonly handshake: Handshake | undefined;
  private closing: Promise<void> | undefined;

  /**
   * The connection's state (`connecting`, `up`, `down` with the error and since when), replayed to
   * each new subscriber; completes after `close()`.
   */
  readonly health$: Observable<ConnectionHealth>;
  /**
   * Errors a server or proxy sends for noreply commands (memcached 1.6.18 sends none: not even for a
   * value over its item size limit), and the notice that a server does not know the `mn` sentinel. They
   * can never reach another command's reply; this is where they go instead.
   */
  readonly noreplyErrors$: Observable<MemcacheError>;
  /**
   * Every command outcome (name, duration, error code) and connection change, as it happens. Costs
   * nothing while unobserved.
   */
  readonly events$: Observable<ClientEvent>;
  /**
   * Counters since you subscribed (commands, errors by code, timeouts, reconnects) with the in-flight
   * and queued gauges, after every event. Sample it as you like, e.g. `metrics$.pipe(auditTime(1000))`.
   */
  readonly metrics$: Observable<ClientMetrics>;

  constructor(server: ServerSpec, options: ClientOptions<V> = {}, transport?: Transport) {
    this.endpoint = parseServerSpec(server);
    this.server = endpointLabel(this.endpoint);
    this.opts = resolveOptions(options);
    this.serde = options.serde ?? pickSerde(options);
    this.scheduler = options.scheduler ?? asyncScheduler;
    this.transport = transport ?? socketTransport(this.endpoint, this.opts);
    this.healthSubject = new BehaviorSubject<ConnectionHealth>({ state: 'down', since: this.scheduler.now() });
    this.health$ = this.healthSubject.asObservable();
    this.noreplyErrors$ = this.noreplyErrorSubject.asObservable();
    this.handshake = authHandshake(this.opts, this.server);
    this.events$ = this.eventSubject.asObservable();
    this.metrics$ = defer(() => {
      const connects = { n: 0 };
      const empty: ClientMetrics = { server: this.server, commands: 0, errors: {}, timeouts: 0, reconnects: 0, inFlight: 0, queued: 0 };
      return this.events$.pipe(
        scan((m, e) => countEvent(m, e, connects), empty),
        startWith(empty),
        map((m) => ({ ...m, ...this.load })),
      );
    });
  }

  /** Commands queued and in flight on the current connection (or pool). */
  get load(): { readonly queued: number; readonly inFlight: number } {
    return this.lane?.load ?? { queued: 0, inFlight: 0 };
  }

  /**
   * Lets queued and in-flight commands finish, then closes the connection. Commands issued afterwards
   * fail with `MemcacheClosedError`. Nothing keeps the process alive once it resolves. Safe to call twice.
   *
   * @example
   * ```ts
   * await client.close();
   * ```
   */
  close(): Promise<void> {
    this.closing ??= (this.lane?.close() ?? Promise.resolve()).then(() => this.finishClose());
    return this.closing;
  }

  /** Fails everything queued or in flight now, then closes. Safe to call twice. */
  destroy(error?: MemcacheError): void {
    this.lane?.destroy(error);
    void this.close();
  }

  /** Retires the current connection gracefully (after `quit`); the next command opens a new one. */
  protected retireConnection(): Promise<void> {
    const current = this.lane;
    this.lane = undefined;
    return current?.close() ?? Promise.resolve();
  }

  /** The wire form of a caller's key (prefix applied, validated). */
  protected key(key: Key): string {
    return wireKey(key, { prefix: this.opts.prefix, allowUnicodeKeys: this.opts.allowUnicodeKeys });
  }

  /** Validates stats-style arguments like keys, without the prefix. */
  protected word(word: string): string {
    return wireKey(word, { prefix: '', allowUnicodeKeys: false });
  }

  /**
   * Builds the request now (so bad input fails before any I/O) and returns the cold command that sends
   * it on each subscription.
   */
  protected run<R, T>(build: () => Request<R>, outcome: Outcome<R, T>): Command<T> {
    let request: Request<R>;
    try {
      request = build();
    } catch (error) {
      return rejected(error);
    }
    const miss = this.opts.ignoreExc ? outcome.miss : undefined;
    return new Command<T>((subscriber) => {
      const observe = this.observe(request);
      const fail = (error: unknown): void => {
        observe?.(error);
        // A closed client and bad input are the caller's doing, not a cache failure: never a miss.
        if (miss !== undefined && !(error instanceof MemcacheIllegalInputError) && !(error instanceof MemcacheClosedError)) {
          subscriber.next(miss());
          subscriber.complete();
        } else subscriber.error(error);
      };
      if (this.closing !== undefined) {
        fail(new MemcacheClosedError(`the client for ${this.server} is closed`));
        return undefined;
      }
      const lane = this.currentLane();
      const reader = request.reader?.();
      const settle = (): void => {
        let value: T;
        try {
          value = outcome.finish(reader === undefined ? (request.noreplyValue as R) : reader.result());
        } catch (error) {
          fail(error);
          return;
        }
        observe?.(undefined);
        subscriber.next(value);
        subscriber.complete();
      };
      const ticket = lane.submit(request.parts, reader, settle, fail);
      return () => lane.cancel(ticket);
    });
  }

  /**
   * Starts tracing a command when anyone listens (diagnostics channel or events$), and returns what
   * reports its outcome; undefined (nothing allocated) when nobody does.
   */
  private observe(request: Request<unknown>): ((error: unknown) => void) | undefined {
    const tracing = commandChannel.hasSubscribers;
    if (!tracing && !this.eventSubject.observed) return undefined;
    const startedAt = this.scheduler.now();
    const trace: CommandTrace = { command: request.name, server: this.server, keys: request.keys ?? 1, bytesOut: wireSize(request.parts), startedAt };
    if (tracing) {
      commandChannel.start.publish(trace);
      commandChannel.end.publish(trace);
    }
    return (error) => {
      trace.durationMs = this.scheduler.now() - startedAt;
      if (tracing) {
        commandChannel.asyncStart.publish(trace);
        if (error !== undefined) {
          trace.error = error;
          commandChannel.error.publish(trace);
        }
        commandChannel.asyncEnd.publish(trace);
      }
      if (this.eventSubject.observed) {
        const base = { type: 'command', server: this.server, name: request.name, ok: error === undefined, durationMs: trace.durationMs } as const;
        this.eventSubject.next(error === undefined ? base : { ...base, error: codeOf(error) });
      }
    };
  }

  /**
   * Makes what commands run over, once per connection lifetime (again after `quit`): one connection by
   * default; a subclass may return a pool of connections built from the same settings.
   */
  protected createLane(settings: ConnectionSettings): Lane {
    return new Connection(settings);
  }

  private currentLane(): Lane {
    if (this.lane !== undefined) return this.lane;
    const lane: Lane = this.createLane({
      transport: this.transport,
      label: this.server,
      timeout: this.opts.timeout,
      connectTimeout: this.opts.connectTimeout,
      maxPipeline: this.opts.maxPipeline,
      noreplySentinel: this.opts.noreplySentinel,
      parserLimits: { ...DEFAULT_PARSER_LIMITS, maxValueLength: this.opts.maxResponseValueSize },
      maxQueue: this.opts.maxQueue,
      maxQueueBytes: this.opts.maxQueueBytes,
      backoff: exponentialBackoff(this.opts.backoff.initial, this.opts.backoff.max),
      ...(this.handshake === undefined ? {} : { handshake: this.handshake }),
      scheduler: this.scheduler,
      flushScheduler: asapScheduler,
      onNoreplyError: (error) => this.noreplyErrorSubject.next(error),
      onSentinelUnsupported: (error) => this.noreplyErrorSubject.next(error),
      toError: errorFromFrame,
      // A retired connection still reports its last "down" unless a newer one has taken over.
      onHealth: (health) => {
        if (this.lane === lane || this.lane === undefined) this.healthSubject.next(health);
        if (this.eventSubject.observed) {
          const down = health.state === 'down' && health.error !== undefined ? { error: health.error.code } : {};
          this.eventSubject.next({ type: health.state, server: this.server, ...down });
        }
      },
    });
    this.lane = lane;
    return lane;
  }

  private finishClose(): void {
    this.lane = undefined;
    this.eventSubject.complete();
    this.noreplyErrorSubject.complete();
    this.healthSubject.complete();
  }
}

/** pymemcache's legacy serializer/deserializer functions, or the default serde. */
function pickSerde<V>(options: ClientOptions<V>): Serde<V> {
  if (options.serializer === undefined && options.deserializer === undefined) return defaultSerde as unknown as Serde<V>;
  return fromFunctions(options.serializer, options.deserializer);
}

/** The `auth` option as the first exchange of every connection. */
function authHandshake(opts: ResolvedOptions, server: string): Handshake | undefined {
  if (opts.auth === undefined) return undefined;
  const request = authenticate(opts.auth.username, opts.auth.password);
  return {
    parts: request.parts,
    reader: request.reader as NonNullable<typeof request.reader>,
    failure: (cause) => new MemcacheAuthError(`${server} rejected the credentials for ${opts.auth?.username ?? ''}`, { cause }),
  };
}
