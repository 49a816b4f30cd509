/**
 * What every command is, beyond its wire form: where it goes, whether it reads, whether sending it twice
 * is harmless. Wrappers decide from this alone (ignoreExc, retry, fallback, tracing), so they never
 * list commands by name.
 */

/**
 * Where a command runs: one key's server, the servers of several keys, or every server.
 *
 * @example
 * ```ts
 * const perServer = (info: CommandInfo): boolean => info.scope === 'server';
 * ```
 */
export type CommandScope = 'key' | 'keys' | 'server';

/**
 * The facts about one command that executors and wrappers act on.
 *
 * @example
 * ```ts
 * COMMANDS.getMany; // { name: 'getMany', scope: 'keys', read: true, idempotent: true }
 * ```
 */
export interface CommandInfo {
  /** The command's name in traces and events: the wire verb, or `getMany`, `setMany`, … for batches. */
  readonly name: string;
  readonly scope: CommandScope;
  /**
   * Reads change nothing on the server: under `ignoreExc` a failed read resolves as its miss, and
   * `FallbackClient` asks the next client when one misses.
   */
  readonly read: boolean;
  /**
   * Sending it twice leaves the same state and answer as sending it once. `RetryingClient` retries these
   * by default; others only when the request surely never left this process.
   */
  readonly idempotent: boolean;
}

const read = { read: true, idempotent: true } as const;
// A second set/delete/touch of a key whose first try may have landed leaves the same item, but the
// answer can differ (add: false; delete: NOT_FOUND), so writes count as not idempotent.
const write = { read: false, idempotent: false } as const;

/** Every command of the surface, defined once. */
export const COMMANDS = {
  get: { name: 'get', scope: 'key', ...read },
  gets: { name: 'gets', scope: 'key', ...read },
  gat: { name: 'gat', scope: 'key', ...read },
  gats: { name: 'gats', scope: 'key', ...read },
  getMany: { name: 'getMany', scope: 'keys', ...read },
  getsMany: { name: 'getsMany', scope: 'keys', ...read },
  set: { name: 'set', scope: 'key', ...write },
  add: { name: 'add', scope: 'key', ...write },
  replace: { name: 'replace', scope: 'key', ...write },
  append: { name: 'append', scope: 'key', ...write },
  prepend: { name: 'prepend', scope: 'key', ...write },
  cas: { name: 'cas', scope: 'key', ...write },
  setMany: { name: 'setMany', scope: 'keys', ...write },
  delete: { name: 'delete', scope: 'key', ...write },
  deleteMany: { name: 'deleteMany', scope: 'keys', ...write },
  incr: { name: 'incr', scope: 'key', ...write },
  decr: { name: 'decr', scope: 'key', ...write },
  touch: { name: 'touch', scope: 'key', ...write },
  stats: { name: 'stats', scope: 'server', ...read },
  version: { name: 'version', scope: 'server', ...read },
  cacheMemlimit: { name: 'cache_memlimit', scope: 'server', read: false, idempotent: true },
  flushAll: { name: 'flush_all', scope: 'server', read: false, idempotent: true },
  shutdown: { name: 'shutdown', scope: 'server', ...write },
  raw: { name: 'raw', scope: 'server', ...write },
  metaGet: { name: 'mg', scope: 'key', ...read },
  /** `mg` that changes the item (touch, vivify on miss, recache): a second try would answer differently. */
  metaGetAndChange: { name: 'mg', scope: 'key', ...write },
  metaSet: { name: 'ms', scope: 'key', ...write },
  metaDelete: { name: 'md', scope: 'key', ...write },
  metaArithmetic: { name: 'ma', scope: 'key', ...write },
  metaNoop: { name: 'mn', scope: 'server', ...read },
} as const satisfies Record<string, CommandInfo>;
