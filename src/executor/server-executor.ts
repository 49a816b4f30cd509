import { asapScheduler, BehaviorSubject, Subject, type Observable, type SchedulerLike, type TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import { errorFromFrame } from '../commands/readers.js';
import { exponentialBackoff } from '../connection/backoff.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import type { Handshake } from '../connection/handshake.js';
import type { ConnectionHealth } from '../connection/health.js';
import type { Lane } from '../connection/lane.js';
import type { Transport } from '../connection/transport.js';
import { MemcacheClosedError, type MemcacheError } from '../errors.js';
import type { ResolvedOptions } from '../client/options.js';
import { DEFAULT_PARSER_LIMITS } from '../protocol/parser.js';
import type { Request } from '../protocol/request.js';
import type { Call } from './call.js';
import type { Executor, Load } from './executor.js';
import { failCall, runOnLane, type TextForm } from './lane-run.js';
import { ProtocolFinder } from './protocol-finder.js';
import { probeMeta } from './protocol-probe.js';
import { Tracer } from './tracer.js';

/** What a server executor is built from. */
export interface ServerExecutorSettings {
  /** `host:port` or the socket path. */
  readonly server: string;
  /** `server` is a UNIX socket's path, whatever it looks like. */
  readonly socket?: boolean;
  readonly options: ResolvedOptions;
  readonly transport: Transport;
  readonly scheduler: SchedulerLike;
  readonly handshake?: Handshake;
  /** `protocol: 'auto'`: told whenever the protocol commands go in changes (undefined: being found). */
  readonly onProtocol?: (protocol: 'text' | 'meta' | undefined) => void;
  /** Makes what commands run over, once per connection lifetime: one connection unless a pool is wanted. */
  readonly createLane?: (settings: ConnectionSettings) => Lane;
}

/**
 * Runs calls on one server: over a lazily opened lane (one connection, or a pool), tracing each, and
 * reporting the connection's health. A command's bytes and reader come from the call; nothing here
 * knows any command.
 */
export class ServerExecutor implements Executor {
  private readonly healthSubject: BehaviorSubject<ConnectionHealth>;
  private readonly noreplyErrorSubject = new Subject<MemcacheError>();
  readonly tracer: Tracer;
  private lane: Lane | undefined;
  private closing: Promise<void> | undefined;
  /** `protocol: 'auto'` only: which protocol the server speaks (else the codec's form is the one to send). */
  private readonly finder: ProtocolFinder | undefined;

  /** The connection's state, replayed to each new subscriber; completes after `close()`. */
  readonly health$: Observable<ConnectionHealth>;
  /** Errors the server sent for noreply commands, and the notice that it does not know `mn`. */
  readonly noreplyErrors$: Observable<MemcacheError>;

  constructor(private readonly settings: ServerExecutorSettings) {
    this.healthSubject = new BehaviorSubject<ConnectionHealth>({ state: 'idle', since: settings.scheduler.now() });
    this.health$ = this.healthSubject.asObservable();
    this.noreplyErrors$ = this.noreplyErrorSubject.asObservable();
    this.tracer = new Tracer(settings.server, settings.scheduler, settings.socket);
    this.finder =
      settings.options.protocol === 'auto'
        ? new ProtocolFinder(
            (done) => probeMeta(this.connectionSettings(() => undefined), done),
            (protocol) => this.foundProtocol(protocol),
            (protocol) => settings.onProtocol?.(protocol),
          )
        : undefined;
  }

  get load(): Load {
    return this.lane?.load ?? { queued: 0, inFlight: 0 };
  }

  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic {
    const finder = this.finder;
    if (finder === undefined) return this.run(call, call.request, sink);
    return this.decide(finder, call, sink, undefined);
  }

  /** `protocol: 'auto'`: sends in the protocol found, or holds the call until it is; its deadline runs from now. */
  private decide<T>(finder: ProtocolFinder, call: Call<T>, sink: Sink<T>, deadline: number | undefined): TeardownLogic {
    const protocol = finder.protocol;
    if (protocol === undefined && this.closing === undefined) {
      const { timeout } = this.settings.options;
      const due = deadline ?? (Number.isFinite(timeout) ? this.settings.scheduler.now() + timeout : undefined);
      return finder.hold(() => this.decide(finder, call, sink, due));
    }
    const { request } = call;
    // A call carries one form and, under 'auto', a way to build the other: send the one the server speaks.
    const form = protocol === 'meta' ? request.meta?.() : request.text?.();
    if (protocol !== 'meta') return this.run(call, form ?? request, sink, deadline);
    // Sent as meta, it keeps its text form for a server that may no longer speak meta when it is written.
    const text = form === undefined ? request.text : request;
    return this.run(call, form ?? request, sink, deadline, text === undefined ? undefined : { belief: finder.belief, text });
  }

  private run<T>(call: Call<T>, request: Request<T>, sink: Sink<T>, deadline?: number, meta?: TextForm<T>): TeardownLogic {
    const done = this.tracer.start(request.name, request);
    if (this.closing !== undefined) {
      sink.unsent?.();
      failCall(call, sink, done, new MemcacheClosedError(`the client for ${this.settings.server} is closed`));
      return undefined;
    }
    return runOnLane(this.currentLane(), call, request, sink, done, deadline, meta);
  }

  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic {
    return this.execute(call, {
      next: (value) => sink.next(new Map([[this.settings.server, value]])),
      error: (error) => sink.error(error),
      complete: () => sink.complete(),
      unsent: () => sink.unsent?.(),
    });
  }

  quit(): Promise<void> {
    const current = this.lane;
    this.lane = undefined;
    this.finder?.forget();
    return current?.close() ?? Promise.resolve();
  }

  close(): Promise<void> {
    this.finder?.close();
    this.closing ??= (this.lane?.close() ?? Promise.resolve()).then(() => this.finishClose());
    return this.closing;
  }

  destroy(error?: MemcacheError): void {
    this.lane?.destroy(error);
    void this.close();
  }

  private currentLane(): Lane {
    if (this.lane !== undefined) return this.lane;
    const lane: Lane = (this.settings.createLane ?? ((s) => new Connection(s)))(
      this.connectionSettings((health) => {
        // A retired connection still reports its last "down" unless a newer one has taken over.
        if (this.lane === lane || this.lane === undefined) {
          this.finder?.health(health);
          this.healthSubject.next(this.withProtocol(health));
        }
        this.tracer.connection(health);
      }),
    );
    this.lane = lane;
    return lane;
  }

  private connectionSettings(onHealth: (health: ConnectionHealth) => void): ConnectionSettings {
    const { options: o, server, scheduler } = this.settings;
    return {
      transport: this.settings.transport,
      label: server,
      timeout: o.timeout,
      connectTimeout: o.connectTimeout,
      maxPipeline: o.maxPipeline,
      noreplySentinel: o.noreplySentinel,
      parserLimits: { ...DEFAULT_PARSER_LIMITS, maxValueLength: o.maxResponseValueSize },
      maxQueue: o.maxQueue,
      maxQueueBytes: o.maxQueueBytes,
      backoff: exponentialBackoff(o.backoff.initial, o.backoff.max),
      ...(this.settings.handshake === undefined ? {} : { handshake: this.settings.handshake }),
      scheduler,
      exitOnIdle: o.allowExitOnIdle,
      flushScheduler: asapScheduler,
      onNoreplyError: (error) => this.noreplyErrorSubject.next(error),
      onSentinelUnsupported: (error) => this.noreplyErrorSubject.next(error),
      toError: errorFromFrame,
      onHealth,
    };
  }

  /** With `protocol: 'auto'`, an `up` says which protocol was found (the others say it in their options). */
  private withProtocol(health: ConnectionHealth): ConnectionHealth {
    const protocol = this.finder?.protocol;
    return health.state !== 'up' || protocol === undefined ? health : { ...health, protocol };
  }

  private foundProtocol(protocol: 'text' | 'meta'): void {
    this.tracer.protocol(protocol);
    const health = this.healthSubject.getValue();
    if (health.state === 'up' && !this.healthSubject.closed) this.healthSubject.next({ ...health, protocol });
  }

  private finishClose(): void {
    this.lane = undefined;
    this.tracer.close();
    this.noreplyErrorSubject.complete();
    this.healthSubject.complete();
  }
}
