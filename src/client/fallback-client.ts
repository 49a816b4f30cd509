import { MemcacheIllegalInputError } from '../errors.js';
import type { Executor } from '../executor/executor.js';
import { FallbackExecutor } from '../executor/fallback.js';
import type { DefaultValue } from '../serde/default.js';
import type { Codec } from './codec.js';
import { MemcacheClient, type WrappedClient } from './memcache-client.js';

/**
 * Several clients as one, for moving from an old cluster to a new one: `new FallbackClient([newCluster,
 * oldCluster])`. Reads ask each client in order until one hits; writes go to the first only, with its
 * real result. It has every command `Client` has.
 *
 * - `get`, `gets`, `gat`, `gats`: the first hit. A miss or a failure asks the next client; when nobody
 *   hit, a failure fails the read (a failure is not a miss: the failed client might hold the key).
 *   Give a client `ignoreExc: true` to make its failures misses.
 * - `getMany`, `getsMany`: the first client is asked for every key, each next one only for the keys
 *   still missing; the hits are merged. Keys left unanswered because a client failed fail the read with
 *   a `MemcacheClusterError` whose `partial` holds the hits.
 * - `stats`, `version`, `flushAll`, `cacheMemlimit`, `rawCommand`, `shutdown`: every client's servers,
 *   merged by server name (a flush must empty the old cluster too, or reads would fall through to what it
 *   still holds); `rawCommand(line, { key })` goes to the first client's server for `key` only.
 * - `delete` and the other writes reach the first only, as in pymemcache: a key deleted there can
 *   still be read from a later client until it expires there (delete it there too if that matters).
 * - `quit`, `close`, `destroy` reach every client.
 *
 * Commands are built once, with the first client's key prefix, serde and limits, and sent unchanged to
 * every client: the clients must store the same way (same `keyPrefix`, same serde), as two clusters of
 * one application do. A different `keyPrefix` is refused.
 *
 * @example
 * ```ts
 * const newCluster = new HashClient(['cache-a1:11211', 'cache-a2:11211']);
 * const oldCluster = new HashClient(['cache-b1:11211'], { ignoreExc: true });
 * const cache = new FallbackClient([newCluster, oldCluster]);
 * await cache.set('user:42', 'Ada');      // the new cluster only
 * const name = await cache.get('user:7'); // the new cluster, else the old one
 * await cache.close();                    // closes both
 * ```
 */
export class FallbackClient<V = DefaultValue> extends MemcacheClient<V> {
  /** The first client's codec: how every client's keys and values are written and read. */
  readonly codec: Codec<V>;
  readonly executor: Executor;
  /** The clients, in the order reads ask them; writes go to the first. */
  readonly clients: ReadonlyArray<WrappedClient<V>>;

  constructor(clients: ReadonlyArray<WrappedClient<V>>) {
    super();
    const [first, ...rest] = clients;
    if (first === undefined) throw new MemcacheIllegalInputError('FallbackClient needs at least one client');
    const prefix = first.codec.options.prefix;
    // The first client's prefix is the only one ever sent: another would silently read other keys.
    const differing = rest.find((client) => client.codec.options.prefix !== prefix);
    if (differing !== undefined) {
      throw new MemcacheIllegalInputError(`every FallbackClient client must share the key prefix: ${JSON.stringify(prefix)} and ${JSON.stringify(differing.codec.options.prefix)}`);
    }
    this.clients = [...clients];
    this.codec = first.codec;
    this.executor = new FallbackExecutor([first.executor, ...rest.map((client) => client.executor)]);
  }
}
