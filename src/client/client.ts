import { asyncScheduler, type Observable } from 'rxjs';
import { authenticate } from '../commands/definitions.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { Connection } from '../connection/connection.js';
import type { Handshake } from '../connection/handshake.js';
import type { ConnectionHealth } from '../connection/health.js';
import type { Lane } from '../connection/lane.js';
import { socketTransport, type Endpoint } from '../connection/transport.js';
import { MemcacheAuthError, type MemcacheError } from '../errors.js';
import type { Executor, Load } from '../executor/executor.js';
import { LenientExecutor } from '../executor/lenient.js';
import { ServerExecutor } from '../executor/server-executor.js';
import { defaultSerde, type DefaultValue } from '../serde/default.js';
import { fromFunctions } from '../serde/legacy.js';
import type { Serde } from '../serde/types.js';
import { Codec } from './codec.js';
import { MemcacheClient } from './memcache-client.js';
import { resolveOptions, type ClientOptions, type OptionsFor, type ResolvedOptions } from './options.js';
import { endpointLabel, parseServerSpec, type ServerSpec } from './server-spec.js';
import type { ClientEvent, ClientMetrics } from './telemetry.js';

/**
 * A memcached client for one server over one pipelined connection, opened on the first command. Every
 * command is a cold Observable that can also be awaited; nothing is sent until then. See
 * `MemcacheClient` for the commands and `ClientOptions` for the options.
 *
 * @example
 * ```ts
 * const client = new Client('localhost:11211');
 * await client.set('greeting', 'hello', { expire: 60 });
 * console.log(await client.get('greeting')); // 'hello'
 * await client.close();
 * ```
 */
export class Client<V = DefaultValue> extends MemcacheClient<V> {
  /** The normalised server address. */
  readonly endpoint: Endpoint;
  /** `host:port` or the socket path. */
  readonly server: string;
  readonly codec: Codec<V>;
  readonly executor: Executor;
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
  protected readonly opts: ResolvedOptions;
  private readonly server$: ServerExecutor;

  constructor(server: ServerSpec, ...[given]: OptionsFor<V, ClientOptions<V>>) {
    super();
    const options: ClientOptions<V> = given ?? {};
    this.endpoint = parseServerSpec(server);
    this.server = endpointLabel(this.endpoint);
    this.opts = resolveOptions(options);
    this.codec = new Codec(this.opts, pickSerde(options));
    const scheduler = options.scheduler ?? asyncScheduler;
    const handshake = authHandshake(this.opts, this.server);
    this.server$ = new ServerExecutor({
      server: this.server,
      socket: this.endpoint.kind === 'unix',
      options: this.opts,
      transport: options.connect?.(this.endpoint) ?? socketTransport(this.endpoint, this.opts),
      scheduler,
      ...(handshake === undefined ? {} : { handshake }),
      createLane: (settings) => this.createLane(settings),
      onProtocol: (protocol) => this.codec.found(protocol),
    });
    this.executor = this.opts.ignoreExc ? new LenientExecutor(this.server$) : this.server$;
    this.health$ = this.server$.health$;
    this.noreplyErrors$ = this.server$.noreplyErrors$;
    this.events$ = this.server$.tracer.events$;
    this.metrics$ = this.server$.tracer.metrics(() => this.load);
  }

  /** Commands queued and in flight on the current connection (or pool). */
  get load(): Load {
    return this.executor.load;
  }

  /**
   * Makes what commands run over, once per connection lifetime (again after `quit`): one connection by
   * default; a subclass may return a pool of connections built from the same settings.
   */
  protected createLane(settings: ConnectionSettings): Lane {
    return new Connection(settings);
  }
}

/** The serde: given, or pymemcache's legacy serializer/deserializer functions, or the default. */
export function pickSerde<V>(options: ClientOptions<V>): Serde<V> {
  if (options.serde !== undefined) return options.serde;
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
