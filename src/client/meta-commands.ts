import * as meta from '../commands/meta.js';
import { COMMANDS } from '../commands/spec.js';
import { storedKey, type RoutedKey } from '../cluster/routed-key.js';
import { mapRequest } from '../executor/call.js';
import { keyCall, serverCall } from './calls.js';
import type { Command } from './command.js';
import { CommandRunner } from './command-runner.js';
import { arithmeticFlags, arithmeticResult, deleteFlags, deleteResult, getFlags, getResult, setFlags, setResult } from './meta-calls.js';
import type {
  MetaArithmeticOptions,
  MetaArithmeticResult,
  MetaDeleteOptions,
  MetaDeleteResult,
  MetaGetOptions,
  MetaGetResult,
  MetaSetOptions,
  MetaSetResult,
} from './meta-types.js';

/**
 * memcached's meta commands (`mg`, `ms`, `md`, `ma`, `mn`; memcached ≥ 1.6), with typed options and
 * results, on every client. Each request carries an opaque token the reply must echo, so a reply that
 * belongs to another request closes the connection instead of reaching a caller. A `Uint8Array` key may
 * hold any bytes (sent base64-encoded, at most 186 bytes with the prefix). A server without meta commands
 * (memcached before 1.6) answers them with `MemcacheUnknownCommandError`; `metaSet` there fails with
 * `MemcacheUnknownError` and drops the connection, as such a server runs its value as a command line.
 * twemproxy 0.5 closes the connection instead, so they fail with `MemcacheUnexpectedCloseError`, with
 * whatever was in flight beside them.
 *
 * @example
 * ```ts
 * const { value, won } = await client.metaGet('report', { vivify: 30 });
 * ```
 */
export abstract class MetaCommands<V> extends CommandRunner<V> {
  /**
   * `mg`: the item's value and whatever else `options` asks for, in one round trip; or, with `vivify`
   * or `recache`, whether this caller should compute the value (`won`).
   *
   * @example
   * ```ts
   * const { hit, value, ttl } = await client.metaGet('user:1', { ttl: true });
   * ```
   */
  metaGet(key: RoutedKey, options: MetaGetOptions = {}): Command<MetaGetResult<V>> {
    const changes = options.touch !== undefined || options.vivify !== undefined || options.recache !== undefined;
    return this.run((c) => {
      const request = meta.metaGet(c.metaKey(key), c.opaque(), getFlags(options), options.quiet === true);
      const miss: MetaGetResult<V> = { key: storedKey(key), hit: false, won: false, stale: false, alreadyWon: false };
      const info = changes ? COMMANDS.metaGetAndChange : COMMANDS.metaGet;
      return keyCall(info, key, mapRequest(request, (reply) => getResult(reply, storedKey(key), c, options)), miss, (result) => !result.hit);
    });
  }

  /**
   * `ms`: stores the value (or adds, replaces, appends, prepends: `mode`), optionally only over a given
   * cas unique, and says exactly what happened.
   *
   * @example
   * ```ts
   * const { stored, cas } = await client.metaSet('user:1', 'Ada', { mode: 'add', expire: 60, returnCas: true });
   * ```
   */
  metaSet(key: RoutedKey, value: V, options: MetaSetOptions = {}): Command<MetaSetResult> {
    return this.run((c) => {
      const item = c.metaItem(key, value, options.flags);
      const request = meta.metaSet(item.key, item.data, c.opaque(), setFlags(options, item.flags), options.quiet === true);
      return keyCall(COMMANDS.metaSet, key, mapRequest(request, setResult));
    });
  }

  /**
   * `md`: deletes the item, or with `invalidate` marks it stale so the next reader recomputes it while
   * others still read the old value.
   *
   * @example
   * ```ts
   * await client.metaDelete('user:1', { invalidate: true, expire: 30 });
   * ```
   */
  metaDelete(key: RoutedKey, options: MetaDeleteOptions = {}): Command<MetaDeleteResult> {
    return this.run((c) => keyCall(COMMANDS.metaDelete, key, mapRequest(meta.metaDelete(c.metaKey(key), c.opaque(), deleteFlags(options), options.quiet === true), deleteResult)));
  }

  /**
   * `ma`: increments (or decrements) a counter and returns its new value; with `vivify`, a missing
   * counter is created with `initial` in the same round trip.
   *
   * @example
   * ```ts
   * const { value } = await client.metaArithmetic('hits', { vivify: 3600, initial: 0 }); // 0n when created, then 1n, 2n, …
   * ```
   */
  metaArithmetic(key: RoutedKey, options: MetaArithmeticOptions = {}): Command<MetaArithmeticResult> {
    return this.run((c) =>
      keyCall(COMMANDS.metaArithmetic, key, mapRequest(meta.metaArithmetic(c.metaKey(key), c.opaque(), arithmeticFlags(options)), arithmeticResult)),
    );
  }

  /**
   * `mn` on every server: resolves once each has answered everything sent before it.
   *
   * @example
   * ```ts
   * await client.metaNoop();
   * ```
   */
  metaNoop(): Command<Map<string, true>> {
    return this.runEach(() => serverCall(COMMANDS.metaNoop, meta.metaNoop()));
  }
}
