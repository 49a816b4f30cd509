import { asyncScheduler, BehaviorSubject, filter, isObservable, map, merge, switchMap, type Observable, type Subscription } from 'rxjs';
import { pickSerde } from '../client/client.js';
import { Codec } from '../client/codec.js';
import { MemcacheClient } from '../client/memcache-client.js';
import type { ClientEvent, ClientMetrics } from '../client/telemetry.js';
import { resolveOptions, type ClientOptions, type OptionsFor } from '../client/options.js';
import { MemcacheClosedError, MemcacheIllegalInputError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { LenientExecutor } from '../executor/lenient.js';
import type { DefaultValue } from '../serde/default.js';
import { resolvePoolOptions, type PoolOptions } from '../pool/pool-options.js';
import type { Hasher } from './hasher.js';
import { ketamaHasher } from './ketama.js';
import { Membership, type WeightedServer } from './membership.js';
import { rendezvousHasher } from './rendezvous.js';
import { ringOf, type RingState } from './ring.js';
import { split, type RoutedKey } from './routed-key.js';
import { Router } from './router.js';
import { clusterMetrics } from './cluster-metrics.js';
import { followServers, type MembershipEvent } from './server-list.js';
import type { ServerHealth } from './server-health.js';
import type { ServerNode } from './server-node.js';

export { split, type RoutedKey } from './routed-key.js';

/** A snapshot of the ring, as `HashClient.ring$` emits it. */
export interface ClusterRing {
  /** Live servers (`host:port` or socket path), in configuration order. */
  readonly servers: readonly string[];
  /** The server a key routes to in this ring, or undefined when it is empty. */
  nodeFor(key: RoutedKey): string | undefined;
}

/** HashClient options: every `Client` option (applied to each server) plus routing and lifecycle. */
export interface HashClientOptions<V> extends ClientOptions<V>, PoolOptions {
  /** `'rendezvous'` (default, pymemcache's RendezvousHash), `'ketama'` (libmemcached/twemproxy), or your own. */
  readonly hasher?: 'rendezvous' | 'ketama' | Hasher;
  /** Failed tries before a server is declared dead and leaves the ring. Default 2. */
  readonly retryAttempts?: number;
  /** How long a failing server's commands fail fast before it may be tried again (ms). Default 1000. */
  readonly retryTimeout?: number;
  /** How long a dead server stays out before it is probed (ms). Default 60000. */
  readonly deadTimeout?: number;
  /**
   * Several pipelined connections per server: each server gets a `PooledClient`, sized by `maxPoolSize`,
   * `poolIdleTimeout`, `acquireTimeout` and `maxWaiting`. Default false (one connection per server).
   */
  readonly usePooling?: boolean;
}

/**
 * Spreads keys over many memcached servers, with every command of `MemcacheClient` (the same names and
 * results as `Client`). Each key is routed by the ring (rendezvous hashing like pymemcache by default,
 * or ketama like libmemcached/twemproxy); the ring is derived from each server's health and follows
 * membership. Batches run on all involved servers in parallel; `stats`, `version`, `flushAll`,
 * `cacheMemlimit` and `rawCommand` go to every live server.
 *
 * @example
 * ```ts
 * const cluster = new HashClient(['127.0.0.1:11211', '127.0.0.1:11212']);
 * await cluster.set('some_key', 'some value');
 * cluster.health$.subscribe((all) => console.log([...all].map(([name, h]) => `${name}: ${h.state}`)));
 * ```
 */
export class HashClient<V = DefaultValue> extends MemcacheClient<V> {
  readonly codec: Codec<V>;
  readonly executor: Executor;
  protected readonly members: Membership;
  private state: RingState<ServerNode> | undefined;
  private readonly subscriptions: Subscription[] = [];
  private closing: Promise<void> | undefined;
  /** The problem with the `servers` Observable that is still outstanding (cleared by a good list). */
  private readonly listProblem = new BehaviorSubject<MembershipEvent | undefined>(undefined);

  /** Every server's health, keyed by `host:port` (or socket path); emits on every change. */
  readonly health$: Observable<ReadonlyMap<string, ServerHealth>>;
  /**
   * The ring: the servers in it (configuration order) and where each key goes. Derived from every
   * server's health and the membership; emits only when the set of live servers changes.
   */
  readonly ring$: Observable<ClusterRing>;
  /**
   * Every server's command outcomes and connection changes, merged (each event names its server), and
   * problems with the `servers` Observable (`MembershipEvent`). A problem that is still outstanding (no
   * good list since) is replayed to each new subscriber first.
   */
  readonly events$: Observable<ClientEvent | MembershipEvent>;
  /** Per-server counters (see `Client.metrics$`), keyed by server name, after every event. */
  readonly metrics$: Observable<ReadonlyMap<string, ClientMetrics>>;

  constructor(servers: readonly WeightedServer[] | Observable<readonly WeightedServer[]>, ...[given]: OptionsFor<V, HashClientOptions<V>>) {
    super();
    const options: HashClientOptions<V> = given ?? {};
    const resolved = resolveOptions(options);
    // Bad pool options fail here, not when a server is first added.
    if (options.usePooling === true) resolvePoolOptions(options, resolved.maxQueue);
    this.codec = new Codec(resolved, pickSerde(options));
    const router = new Router({
      ring: () => this.state,
      closed: () => (this.closing === undefined ? undefined : new MemcacheClosedError('the HashClient is closed')),
      nodes: () => this.members.current,
      close: () => this.shutDown(),
    });
    this.executor = resolved.ignoreExc ? new LenientExecutor(router) : router;
    const lifecycle = {
      retryAttempts: count(options.retryAttempts, 2, 'retryAttempts'),
      retryTimeout: count(options.retryTimeout, 1000, 'retryTimeout'),
      deadTimeout: count(options.deadTimeout, 60_000, 'deadTimeout'),
      scheduler: options.scheduler ?? asyncScheduler,
    };
    // Calls are built here, with this client's codec; each server only runs them, and reports errors
    // (misses for ignoreExc are decided here). The caller's `auth` object would print its password, so
    // the members keep the redacting `Credentials` instead.
    const { serializer: _serializer, deserializer: _deserializer, serde: _serde, ...shared } = options;
    const auth = resolved.auth && { auth: resolved.auth };
    this.members = new Membership({ ...shared, ignoreExc: false, ...auth }, lifecycle);
    const rings = ringOf(this.members.members$, pickHasher(options.hasher));
    this.health$ = this.members.health$;
    const members$ = this.members.members$;
    this.events$ = merge(
      this.listProblem.pipe(filter((p): p is MembershipEvent => p !== undefined)),
      members$.pipe(switchMap((nodes) => merge(...nodes.map((n) => n.client.events$)))),
    );
    this.metrics$ = clusterMetrics(members$);
    this.ring$ = rings.pipe(map((s) => ({ servers: s.live.map((n) => n.name), nodeFor: (key: RoutedKey) => s.ring.nodeFor(split(key)[0]) })));
    this.subscriptions.push(rings.subscribe((s) => (this.state = s)));
    if (isObservable(servers)) this.subscriptions.push(followServers(servers, this.members, (p) => this.listProblem.next(p)));
    else this.members.apply(servers);
  }

  /** Drains every server's in-flight commands, stops probes and membership, and closes. Safe to call twice. */
  private shutDown(): Promise<void> {
    this.closing ??= (async () => {
      for (const s of this.subscriptions.splice(0)) s.unsubscribe();
      this.listProblem.complete();
      await this.members.close();
    })();
    return this.closing;
  }

  /** The server a key routes to now (`host:port` or socket path), or undefined with no live server. */
  serverFor(key: RoutedKey): string | undefined {
    return this.state?.ring.nodeFor(split(key)[0]);
  }
}

function pickHasher(hasher: HashClientOptions<unknown>['hasher']): Hasher {
  if (hasher === undefined || hasher === 'rendezvous') return rendezvousHasher();
  if (hasher === 'ketama') return ketamaHasher();
  if (typeof hasher === 'function') return hasher;
  throw new MemcacheIllegalInputError(`unknown hasher ${String(hasher)}: use 'rendezvous', 'ketama' or a function`);
}

function count(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new MemcacheIllegalInputError(`${name} must be a non-negative number, got ${String(value)}`);
  return value;
}
