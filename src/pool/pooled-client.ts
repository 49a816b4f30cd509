import { BehaviorSubject, defer, type Observable } from 'rxjs';
import { Client } from '../client/client.js';
import type { ClientOptions, OptionsFor } from '../client/options.js';
import type { ServerSpec } from '../client/server-spec.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import type { Lane } from '../connection/lane.js';
import type { DefaultValue } from '../serde/default.js';
import { ConnectionPool } from './connection-pool.js';
import { resolvePoolOptions, type PoolOptions, type PoolStats, type ResolvedPoolOptions } from './pool-options.js';

/** A `PooledClient`'s options: the client's own, which every pooled connection uses, and the pool's. */
export type PooledClientOptions<V> = ClientOptions<V> & PoolOptions;

/**
 * A memcached client for one server over up to `maxPoolSize` pipelined connections. It has every
 * command `Client` has. A command goes to the least-loaded connection with room; when every connection
 * is at `maxPipeline`, commands wait in order (up to `maxWaiting`, for at most `acquireTimeout`) instead
 * of failing. `pool$` shows the pool's size, busy connections and waiting commands.
 *
 * @example
 * ```ts
 * const client = new PooledClient('localhost:11211', { maxPoolSize: 4, maxPipeline: 100, acquireTimeout: 200 });
 * client.pool$.subscribe(({ size, busy, waiting }) => console.log(size, busy, waiting));
 * await Promise.all(keys.map((key) => client.get(key)));
 * await client.close();
 * ```
 */
export class PooledClient<V = DefaultValue> extends Client<V> {
  /** Size, busy connections and waiting commands, replayed to each new subscriber; completes after `close()`. */
  readonly pool$: Observable<PoolStats>;
  private readonly poolOptions: ResolvedPoolOptions;
  private readonly poolSubject = new BehaviorSubject<PoolStats>({ size: 0, busy: 0, waiting: 0 });
  private currentPool: ConnectionPool | undefined;

  constructor(server: ServerSpec, ...[given]: OptionsFor<V, PooledClientOptions<V>>) {
    super(server, ...([given] as OptionsFor<V, ClientOptions<V>>));
    const options: PooledClientOptions<V> = given ?? {};
    this.poolOptions = resolvePoolOptions(options, this.opts.maxQueue);
    // Counts are pushed only while observed; a new subscriber first gets them fresh.
    this.pool$ = defer(() => {
      const pool = this.currentPool;
      if (pool !== undefined && !this.poolSubject.closed) this.report(pool, pool.snapshot());
      return this.poolSubject;
    });
  }

  /** Lets waiting, queued and in-flight commands finish, then closes every connection. Safe to call twice. */
  override close(): Promise<void> {
    return super.close().then(() => this.poolSubject.complete());
  }

  /** One pool per connection lifetime; a new one after `quit()`, reporting into the same `pool$`. */
  protected override createLane(settings: ConnectionSettings): Lane {
    const pool: ConnectionPool = new ConnectionPool(settings, this.poolOptions, {
      watched: () => this.poolSubject.observed,
      changed: (stats) => this.report(pool, stats),
    });
    this.currentPool = pool;
    return pool;
  }

  /** Only the current pool speaks for `pool$` (an old one may still be closing after `quit()`). */
  private report(pool: ConnectionPool, stats: PoolStats): void {
    if (this.currentPool !== pool || this.poolSubject.closed) return;
    const last = this.poolSubject.getValue();
    if (stats.size !== last.size || stats.busy !== last.busy || stats.waiting !== last.waiting) this.poolSubject.next(stats);
  }
}
