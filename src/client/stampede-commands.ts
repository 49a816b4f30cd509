import type { RoutedKey } from '../cluster/routed-key.js';
import { Command, rejected } from './command.js';
import type { MetaDeleteResult } from './meta-types.js';
import { MetaCommands } from './meta-commands.js';
import { getOrSet, seconds, type GetOrSetOptions, type InvalidateOptions, type Loader } from './stampede.js';

/**
 * Stampede protection on every client, built on the meta commands (memcached ≥ 1.6; servers and proxies
 * without them fail these with `MemcacheUnknownCommandError`): when a hot key is missing or stale, one
 * caller across all clients and processes recomputes it while the others get the stale value or wait.
 */
export abstract class StampedeCommands<V> extends MetaCommands<V> {
  /**
   * The value of `key`; when it is missing or stale, exactly one caller (across every client and process
   * sharing the server) runs `loader` and stores its result for `ttl` seconds. The others get the stale
   * value at once if there is one, or poll (with backoff, up to `timeout` ms) until the winner's value
   * appears. A loader that fails hands the win to the next caller and fails its own caller with its error;
   * a winner unsubscribed while loading hands it on too. A winner that dies holds it for at most `lease` seconds.
   *
   * @example
   * ```ts
   * const profile = await client.getOrSet('user:1', () => db.loadUser(1), { ttl: 300, lease: 10, timeout: 2000 });
   * ```
   */
  getOrSet(key: RoutedKey, loader: Loader<V>, options: GetOrSetOptions): Command<V> {
    return getOrSet(this, key, loader, options);
  }

  /**
   * Marks the item stale instead of deleting it (`md … I T<staleTtl>`): readers keep getting the old value
   * for `staleTtl` seconds while the first `getOrSet` caller recomputes it. Resolves false when the key is
   * missing.
   *
   * @example
   * ```ts
   * await client.invalidate('user:1', { staleTtl: 30 });
   * ```
   */
  invalidate(key: RoutedKey, options: InvalidateOptions = {}): Command<boolean> {
    let marked: Command<MetaDeleteResult>;
    try {
      marked = this.metaDelete(key, { invalidate: true, ...(options.staleTtl === undefined ? {} : { expire: seconds(options.staleTtl, 'staleTtl', 0) }) });
    } catch (error) {
      return rejected(error);
    }
    return new Command<boolean>((sink) => marked.subscribe({ next: (r) => sink.next(r.deleted), error: (e: unknown) => sink.error(e), complete: () => sink.complete() }));
  }
}
