import { asyncScheduler, combineLatest, isObservable, map, merge, of, switchMap, type Observable, type Subscription } from 'rxjs';
import type { ClientEvent, ClientMetrics } from '../client/telemetry.js';
import { Command, type Sink } from '../client/command.js';
import type { Client } from '../client/client.js';
import { resolveOptions, type ClientOptions } from '../client/options.js';
import type { Endpoint, Transport } from '../connection/transport.js';
import { MemcacheClusterError, MemcacheError, MemcacheIllegalInputError, MemcacheNoServersError } from '../errors.js';
import { wireKey, type Key } from '../protocol/keys.js';
import { fanOut, type Share } from './fan-out.js';
import type { Hasher } from './hasher.js';
import { ketamaHasher } from './ketama.js';
import { Membership, type WeightedServer } from './membership.js';
import { rendezvousHasher } from './rendezvous.js';
import { ringOf, type RingState } from './ring.js';
import type { ServerHealth } from './server-health.js';
import type { ServerNode } from './server-node.js';

/** A key, or pymemcache's `[routingKey, key]` pair: hash on the first, store under the second. */
export type RoutedKey = Key | readonly [routingKey: Key, key: Key];

/** A snapshot of the ring, as `HashClient.ring$` emits it. */
export interface ClusterRing {
  /** Live servers (`host:port` or socket path), in configuration order. */
  readonly servers: readonly string[];
  /** The server a key routes to in this ring, or undefined when it is empty. */
  nodeFor(key: RoutedKey): string | undefined;
}

/** HashClient options: every `Client` option (applied to each server) plus routing and lifecycle. */
export interface HashClientOptions<V> extends ClientOptions<V> {
  /** `'rendezvous'` (default, pymemcache's RendezvousHash), `'ketama'` (libmemcached/twemproxy), or your own. */
  readonly hasher?: 'rendezvous' | 'ketama' | Hasher;
  /** Failed tries before a server is declared dead and leaves the ring. Default 2. */
  readonly retryAttempts?: number;
  /** How long a failing server's commands fail fast before it may be tried again (ms). Default 1000. */
  readonly retryTimeout?: number;
  /** How long a dead server stays out before it is probed (ms). Default 60000. */
  readonly deadTimeout?: number;
  /** Several connections per server; not available yet (one pipelined connection per server). */
  readonly usePooling?: false;
  /** Opens a server's transport; for tests and custom transports. */
  readonly connect?: (endpoint: Endpoint) => Transport;
}

/**
 * The plumbing under `HashClient`: membership, health, the ring, routing, and fan-out. Commands live
 * in `HashClient`.
 */
export class HashClientCore<V> {
  protected readonly members: Membership<V>;
  private state: RingState<ServerNode<V>> | undefined;
  private readonly subscriptions: Subscription[] = [];
  protected readonly ignoreExc: boolean;
  private readonly keyRules: { readonly prefix: string; readonly allowUnicodeKeys: boolean };
  private closing: Promise<void> | undefined;

  /** Every server's health, keyed by `host:port` (or socket path); emits on every change. */
  readonly health$: Observable<ReadonlyMap<string, ServerHealth>>;
  /**
   * The ring: the servers in it (configuration order) and where each key goes. Derived from every
   * server's health and the membership; emits only when the set of live servers changes.
   */
  readonly ring$: Observable<ClusterRing>;
  /** Every server's command outcomes and connection changes, merged (each event names its server). */
  readonly events$: Observable<ClientEvent>;
  /** Per-server counters (see `Client.metrics$`), keyed by server name, after every event. */
  readonly metrics$: Observable<ReadonlyMap<string, ClientMetrics>>;

  constructor(servers: readonly WeightedServer[] | Observable<readonly WeightedServer[]>, options: HashClientOptions<V> = {}) {
    if ((options.usePooling as boolean | undefined) === true) throw new MemcacheIllegalInputError('usePooling is not available yet');
    const resolved = resolveOptions(options);
    this.ignoreExc = resolved.ignoreExc;
    this.keyRules = { prefix: resolved.prefix, allowUnicodeKeys: resolved.allowUnicodeKeys };
    const lifecycle = {
      retryAttempts: count(options.retryAttempts, 2, 'retryAttempts'),
      retryTimeout: count(options.retryTimeout, 1000, 'retryTimeout'),
      deadTimeout: count(options.deadTimeout, 60_000, 'deadTimeout'),
      scheduler: options.scheduler ?? asyncScheduler,
    };
    // Each server's client reports errors; misses for ignoreExc are decided here, per key. The caller's
    // `auth` object would print its password, so the members keep the redacting `Credentials` instead.
    this.members = new Membership<V>({ ...options, ignoreExc: false, ...(resolved.auth && { auth: resolved.auth }) }, lifecycle, options.connect);
    const rings = ringOf(this.members.members$, pickHasher(options.hasher));
    this.health$ = this.members.health$;
    const members$ = this.members.members$;
    this.events$ = members$.pipe(switchMap((nodes) => merge(...nodes.map((n) => n.client.events$))));
    this.metrics$ = members$.pipe(
      switchMap((nodes) => (nodes.length === 0 ? of([]) : combineLatest(nodes.map((n) => n.client.metrics$)))),
      map((all) => new Map(all.map((m) => [m.server, m]))),
    );
    this.ring$ = rings.pipe(map((s) => ({ servers: s.live.map((n) => n.name), nodeFor: (key: RoutedKey) => s.ring.nodeFor(split(key)[0]) })));
    this.subscriptions.push(rings.subscribe((s) => (this.state = s)));
    if (isObservable(servers)) this.subscriptions.push(servers.subscribe((list) => this.members.apply(list)));
    else this.members.apply(servers);
  }

  /**
   * Drains every server's in-flight commands, stops probes and membership, and closes. Safe to call twice.
   *
   * @example
   * ```ts
   * await cluster.close();
   * ```
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const s of this.subscriptions.splice(0)) s.unsubscribe();
      await this.members.close();
    })();
    return this.closing;
  }

  /** The server a key routes to now (`host:port` or socket path), or undefined with no live server. */
  serverFor(key: RoutedKey): string | undefined {
    return this.state?.ring.nodeFor(split(key)[0]);
  }

  /**
   * A single-key command on the key's server, routed when subscribed (so a ring change between creating
   * and subscribing is honoured); connectivity outcomes feed that server's health.
   */
  protected one<T>(key: RoutedKey, call: (client: Client<V>, key: Key) => Command<T>, miss?: () => T): Command<T> {
    return new Command<T>((sink) => {
      const target = this.target(key);
      if (target instanceof MemcacheError) {
        if (this.ignoreExc && miss !== undefined && !(target instanceof MemcacheIllegalInputError)) {
          sink.next(miss());
          sink.complete();
        } else sink.error(target);
        return undefined;
      }
      return this.watch(target.node, call(target.node.client, target.key), sink, miss);
    });
  }

  /**
   * A multi-key command: keys grouped by server, groups run in parallel, results folded. Failed
   * shares become misses with ignoreExc, else one `MemcacheClusterError` naming their keys and
   * carrying what the healthy servers answered.
   */
  protected many<K extends RoutedKey, R, T>(
    keys: readonly K[],
    call: (client: Client<V>, keys: Key[], callerKeys: readonly K[]) => Observable<R>,
    fold: (answered: ReadonlyArray<{ readonly keys: readonly K[]; readonly result: R }>, failedKeys: readonly K[]) => T,
  ): Command<T> {
    return new Command<T>((sink) => {
      const shares = new Map<ServerNode<V>, K[]>();
      const unroutable: Array<{ keys: K[]; error: unknown }> = [];
      for (const key of keys) {
        const target = this.target(key);
        if (target instanceof MemcacheIllegalInputError) {
          sink.error(target);
          return undefined;
        }
        if (target instanceof MemcacheError) unroutable.push({ keys: [key], error: target });
        else shares.set(target.node, [...(shares.get(target.node) ?? []), key]);
      }
      const work: Array<Share<K, R>> = [...shares].map(([node, ks]) => ({
        keys: ks,
        run: () => new Command<R>((s) => this.watch(node, call(node.client, ks.map((k) => split(k)[1]), ks), s)),
      }));
      // fanOut emits exactly once; the command settles there, so no complete can follow an error.
      return fanOut(work, unroutable).subscribe({
        next: ({ answered, failed }) => {
          const failedKeys = failed.flatMap((f) => f.keys);
          const result = fold(answered, this.ignoreExc ? failedKeys : []);
          if (failed.length === 0 || this.ignoreExc) settle(sink, result);
          else sink.error(new MemcacheClusterError(`${failedKeys.length} key(s) on failed servers`, failedKeys, result, { cause: failed[0]?.error }));
        },
        error: (error: unknown) => sink.error(error),
      });
    });
  }

  /** A command for every live server, resolved as a map by server name. */
  protected everyServer<R>(call: (client: Client<V>) => Command<R>): Command<Map<string, R>> {
    return new Command<Map<string, R>>((sink) => {
      const live = this.state?.live ?? [];
      if (live.length === 0) {
        if (this.ignoreExc) {
          sink.next(new Map());
          sink.complete();
        } else sink.error(new MemcacheNoServersError('no live memcached server'));
        return undefined;
      }
      const refused = live.flatMap((node) => {
        const error = node.refusal();
        return error === undefined ? [] : [{ keys: [node.name], error }];
      });
      const work = live
        .filter((node) => node.refusal() === undefined)
        .map((node) => ({ keys: [node.name], run: () => new Command<R>((s) => this.watch(node, call(node.client), s)) }));
      return fanOut(work, refused).subscribe({
        next: ({ answered, failed }) => {
          const out = new Map(answered.map((a) => [a.keys[0] as string, a.result]));
          if (failed.length === 0 || this.ignoreExc) settle(sink, out);
          else sink.error(new MemcacheClusterError(`${failed.length} server(s) failed`, failed.flatMap((f) => f.keys), out, { cause: failed[0]?.error }));
        },
        error: (error: unknown) => sink.error(error),
      });
    });
  }

  private target(key: RoutedKey): { node: ServerNode<V>; key: Key } | MemcacheError {
    const [routing, stored] = split(key);
    try {
      wireKey(stored, this.keyRules);
    } catch (error) {
      return error as MemcacheError;
    }
    const name = this.state?.ring.nodeFor(routing);
    const node = name === undefined ? undefined : this.state?.byName.get(name);
    if (node === undefined) return new MemcacheNoServersError('no live memcached server to route to');
    return node.refusal() ?? { node, key: stored };
  }

  /** Runs a server's command into a sink, reporting success or failure to the server's health. */
  private watch<T>(node: ServerNode<V>, inner: Observable<T>, sink: Sink<T>, miss?: () => T): Subscription {
    return inner.subscribe({
      next: (value) => {
        node.succeeded();
        sink.next(value);
      },
      error: (error: unknown) => {
        node.failed(error);
        if (this.ignoreExc && miss !== undefined && !(error instanceof MemcacheIllegalInputError)) {
          sink.next(miss());
          sink.complete();
        } else sink.error(error);
      },
      complete: () => sink.complete(),
    });
  }
}

function settle<T>(sink: Sink<T>, value: T): void {
  sink.next(value);
  sink.complete();
}

/** `[routingKey, key]` or a plain key (a Uint8Array is a key, never a pair). */
export function split(key: RoutedKey): readonly [Key, Key] {
  return Array.isArray(key) ? (key as readonly [Key, Key]) : [key as Key, key as Key];
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
