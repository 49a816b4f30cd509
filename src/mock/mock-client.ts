import { asyncScheduler, type Observable } from 'rxjs';
import { pickSerde } from '../client/client.js';
import { Codec } from '../client/codec.js';
import { MemcacheClient } from '../client/memcache-client.js';
import { resolveOptions, type ClientOptions, type OptionsFor } from '../client/options.js';
import type { ClientEvent, ClientMetrics } from '../client/telemetry.js';
import type { ConnectionHealth } from '../connection/health.js';
import type { Transport } from '../connection/transport.js';
import { MemcacheIllegalInputError, MemcacheUnknownError, type MemcacheError } from '../errors.js';
import type { Executor, Load } from '../executor/executor.js';
import { LenientExecutor } from '../executor/lenient.js';
import { ServerExecutor } from '../executor/server-executor.js';
import type { DefaultValue } from '../serde/default.js';
import { DEFAULT_ITEM_SIZE_MAX, type MemoryStore } from './memory-store.js';
import { StoreLane } from './store-lane.js';
import { TextServer } from './text-server.js';

/** memcached's bounds for `-I`. */
const ITEM_SIZE_MIN = 1024;
const ITEM_SIZE_LIMIT = 1024 * 1024 * 1024;

/**
 * Options of {@link MockMemcacheClient}: the client options that mean something without a network, and
 * the emulated server's.
 *
 * @example
 * ```ts
 * new MockMemcacheClient({ keyPrefix: 'app:', scheduler: testScheduler, itemSizeMax: 2 * 1024 * 1024 });
 * ```
 */
export interface MockMemcacheClientOptions<V>
  extends Pick<
    ClientOptions<V>,
    'keyPrefix' | 'defaultNoreply' | 'allowUnicodeKeys' | 'ignoreExc' | 'serde' | 'serializer' | 'deserializer' | 'scheduler'
  > {
  /**
   * The emulated server's item size limit (memcached's `-I`) in bytes, key and 63 bytes of overhead
   * included: 1024 up to 1 GiB. Default 1 MiB, memcached's default.
   */
  readonly itemSizeMax?: number;
  /**
   * The wire protocol of the classic commands, as `ClientOptions.protocol`: `'auto'` (default), `'text'`
   * or `'meta'`. The emulated server is a memcached 1.6.18, which `'auto'` finds speaks meta: here
   * `'auto'` is `'meta'` from the first command.
   */
  readonly protocol?: 'text' | 'meta' | 'auto';
  /** The client-side check of `ClientOptions.maxValueSize`. Default: `itemSizeMax`, as it should be set for a real server. */
  readonly maxValueSize?: number;
  /** The server's name, the key of server-wide results (`stats`, `version`, …). Default `mock:11211`. */
  readonly server?: string;
  /**
   * Talk to the emulated server of another mock (its items, counters, clock, size limit and name), as two
   * clients of one memcached do: for code that makes several clients, e.g. with different prefixes or
   * serdes. `itemSizeMax` and `server` are that server's then.
   */
  readonly sameServerAs?: MockMemcacheClient<unknown>;
}

/**
 * An in-memory memcached behind the very same client surface as `Client`: the same methods, types,
 * results and errors, because it *is* that surface. Every command is encoded to the same bytes a socket
 * would carry, run by an emulated memcached 1.6.18 (items, cas uniques, expiry, flush_all, incr/decr
 * rules, stats counters, and the meta commands with their stale / win / vivify marks, so `metaGet`,
 * `getOrSet`, `invalidate` and `protocol: 'meta'` work), and its reply read by the same parser and
 * readers. Key validation, `keyPrefix`, serdes and their flags, `maxValueSize`, `ignoreExc` and noreply
 * all behave as they do on `Client`.
 *
 * Commands settle synchronously when subscribed (or awaited): a unit test needs no real time and no
 * scheduler flushing. Time only matters for expiry, and comes from `scheduler` (default `asyncScheduler`,
 * the wall clock): give it a `VirtualTimeScheduler` or `TestScheduler` and move its clock.
 *
 * What it cannot do: evict (there is no memory limit, only the item size limit), fail like a network
 * (no connection errors, timeouts or reconnects), answer the meta debug command `me` or the `stats`
 * arguments that describe memory layout (`items`, `slabs`, …: `ERROR`), or move items between LRU
 * queues as memcached's maintainer thread does (`mg … l` reports the last access of a server without
 * it). `shutdown` is refused as by a server started without `-A`.
 *
 * @example
 * ```ts
 * import { VirtualTimeScheduler } from 'rxjs';
 * const scheduler = new VirtualTimeScheduler();
 * scheduler.frame = Date.now();
 * const cache = new MockMemcacheClient({ scheduler });
 * await cache.set('session', 'abc', { expire: 60, noreply: false }); // true
 * scheduler.frame += 60_000;
 * await cache.get('session'); // undefined: expired
 * ```
 */
export class MockMemcacheClient<V = DefaultValue> extends MemcacheClient<V> {
  readonly codec: Codec<V>;
  readonly executor: Executor;
  /** The server's name (`mock:11211` unless given), the key of server-wide results. */
  readonly server: string;
  /**
   * The emulated server's items and counters, for looking at what a test stored: keys as they are on
   * the wire (`keyPrefix` included), values as stored bytes with their flags and cas unique.
   */
  readonly memory: MemoryStore;
  private readonly memcached: TextServer;
  private readonly itemSizeMax: number;
  /**
   * `up` from the first command until `close()`, as `Client.health$`; `down` with the error where a
   * connection would drop (a raw `quit`, a reply the client cannot read) until the next command.
   */
  readonly health$: Observable<ConnectionHealth>;
  /** Every command outcome, as `Client.events$`. */
  readonly events$: Observable<ClientEvent>;
  /** Counters and gauges since you subscribed, as `Client.metrics$`. */
  readonly metrics$: Observable<ClientMetrics>;
  /** Errors sent for noreply commands, as `Client.noreplyErrors$`: memcached 1.6.18 sends none. */
  readonly noreplyErrors$: Observable<MemcacheError>;

  constructor(...[given]: OptionsFor<V, MockMemcacheClientOptions<V>>) {
    super();
    const options: MockMemcacheClientOptions<V> = given ?? {};
    const shared = options.sameServerAs;
    const itemSizeMax = shared?.itemSizeMax ?? checkItemSizeMax(options.itemSizeMax);
    this.server = shared?.server ?? options.server ?? 'mock:11211';
    // The emulated memcached 1.6.18 speaks meta, so 'auto' (the default) finds meta, as against the real one.
    const protocol = options.protocol === undefined || options.protocol === 'auto' ? 'meta' : options.protocol;
    const resolved = resolveOptions<V>({ ...options, protocol, maxValueSize: options.maxValueSize ?? itemSizeMax });
    this.codec = new Codec(resolved, pickSerde(options));
    const scheduler = options.scheduler ?? asyncScheduler;
    const memcached = shared?.memcached ?? new TextServer({ scheduler, itemSizeMax, port: portOf(this.server) });
    this.memcached = memcached;
    this.itemSizeMax = itemSizeMax;
    this.memory = memcached.store;
    const server$ = new ServerExecutor({
      server: this.server,
      options: resolved,
      transport: noTransport(this.server),
      scheduler,
      createLane: (settings) => new StoreLane(memcached, settings),
    });
    this.executor = resolved.ignoreExc ? new LenientExecutor(server$) : server$;
    this.health$ = server$.health$;
    this.events$ = server$.tracer.events$;
    this.metrics$ = server$.tracer.metrics(() => this.load);
    this.noreplyErrors$ = server$.noreplyErrors$;
  }

  /** Commands queued behind the one running (only while a callback issues commands); none in flight. */
  get load(): Load {
    return this.executor.load;
  }
}

function checkItemSizeMax(value: number | undefined): number {
  if (value === undefined) return DEFAULT_ITEM_SIZE_MAX;
  if (!Number.isSafeInteger(value) || value < ITEM_SIZE_MIN || value > ITEM_SIZE_LIMIT) {
    throw new MemcacheIllegalInputError(`itemSizeMax must be an integer in ${ITEM_SIZE_MIN}..${ITEM_SIZE_LIMIT} bytes (memcached's -I), got ${String(value)}`);
  }
  return value;
}

/** The port a `host:port` name ends with, for `stats settings`; memcached's default otherwise. */
function portOf(server: string): number {
  const match = /:(\d{1,5})$/.exec(server);
  return match === null ? 11211 : Number(match[1]);
}

/** The executor wants a transport; the store lane never opens one. Should anything try, it fails loudly. */
function noTransport(server: string): Transport {
  return () => {
    throw new MemcacheUnknownError(`${server} is an in-memory mock: nothing may open a socket to it`);
  };
}
