import { parseArgs } from 'node:util';
import { MemcacheIllegalInputError, parseServerSpec } from '../index.js';

/** The CLI's commands, and the arguments each takes before the server list. */
const ARITY = {
  stats: { min: 0, max: 0, usage: 'stats [--raw]' },
  get: { min: 1, max: 1, usage: 'get <key>' },
  set: { min: 2, max: 2, usage: 'set <key> <value> [--ttl <seconds>]' },
  delete: { min: 1, max: 1, usage: 'delete <key>' },
  incr: { min: 1, max: 2, usage: 'incr <key> [delta]' },
  flush: { min: 0, max: 0, usage: 'flush' },
  keys: { min: 0, max: 0, usage: 'keys' },
  load: { min: 1, max: 1, usage: 'load <file.jsonl> [--batch <n>]' },
  version: { min: 0, max: 0, usage: 'version' },
  top: { min: 0, max: 0, usage: 'top [--interval <ms>] [--count <n>]' },
} as const;

/** A command name the CLI knows. */
export type CommandName = keyof typeof ARITY;

/** What the command line asked for, checked. */
export interface Invocation {
  readonly command: CommandName | 'help';
  /** The command's own arguments (key, value, delta, file). */
  readonly args: readonly string[];
  /** Server specs, as `HashClient` takes them. */
  readonly servers: readonly string[];
  /** `set --ttl`: memcached exptime in seconds (0 = never). */
  readonly ttl: number;
  /** `top --interval`: ms between refreshes. */
  readonly interval: number;
  /** `top --count`: stop after this many screens (default: run until quit). */
  readonly count: number | undefined;
  /** `load --batch`: items per `setMany`. */
  readonly batch: number;
  /** Per-command timeout in ms. */
  readonly timeout: number;
  /** `stats --raw`: every stat as `name value`, unformatted. */
  readonly raw: boolean;
}

/** The servers used when neither the arguments nor `MEMCACHED_SERVERS` name any. */
export const DEFAULT_SERVERS = ['127.0.0.1:11211'] as const;

const OPTIONS = {
  servers: { type: 'string', short: 's' },
  ttl: { type: 'string' },
  interval: { type: 'string', short: 'i' },
  count: { type: 'string', short: 'n' },
  batch: { type: 'string' },
  timeout: { type: 'string', short: 't' },
  raw: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Reads the command line: `<command> [args...] [servers...]` plus options. Servers come from the
 * trailing arguments, else `--servers a,b`, else `MEMCACHED_SERVERS` (comma-separated), else
 * 127.0.0.1:11211. `incr`'s optional delta is told from a server by being all digits.
 *
 * @throws MemcacheIllegalInputError for anything the CLI cannot run (exit code 2).
 * @example
 * ```ts
 * parseInvocation(['get', 'user:1', 'cache-a:11211'], {}).servers; // ['cache-a:11211']
 * ```
 */
export function parseInvocation(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Invocation {
  const parsed = readArgs(argv);
  const { values, positionals } = parsed;
  const [name, ...rest] = positionals;
  if (values.help === true || name === undefined || name === 'help') return defaults('help', [], []);
  if (!isCommand(name)) throw new MemcacheIllegalInputError(`unknown command '${name}'`);
  const arity = ARITY[name];
  const own = name === 'incr' && rest.length >= 2 && !/^[0-9]+$/.test(rest[1] ?? '') ? 1 : Math.min(arity.max, rest.length);
  if (own < arity.min) throw new MemcacheIllegalInputError(`usage: rxmemcache ${arity.usage} [servers...]`);
  const servers = pickServers(rest.slice(own), values.servers, env['MEMCACHED_SERVERS']);
  return {
    ...defaults(name, rest.slice(0, own), servers),
    ttl: integer(values.ttl, 'ttl', 0, -2147483648),
    interval: integer(values.interval, 'interval', 1000, 100),
    count: values.count === undefined ? undefined : integer(values.count, 'count', 1, 1),
    batch: integer(values.batch, 'batch', 500, 1),
    timeout: integer(values.timeout, 'timeout', name === 'keys' ? 30_000 : 1000, 1),
    raw: values.raw === true,
  };
}

/** The usage line of every command, for `--help`. */
export function usageLines(): string[] {
  return Object.values(ARITY).map((a) => `  rxmemcache ${a.usage} [servers...]`);
}

function readArgs(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs throws a TypeError (ERR_PARSE_ARGS_*) that already names the option.
    throw new MemcacheIllegalInputError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

function isCommand(name: string): name is CommandName {
  return Object.hasOwn(ARITY, name);
}

function defaults(command: CommandName | 'help', args: readonly string[], servers: readonly string[]): Invocation {
  return { command, args, servers, ttl: 0, interval: 1000, count: undefined, batch: 500, timeout: 1000, raw: false };
}

function pickServers(trailing: readonly string[], option: string | undefined, env: string | undefined): string[] {
  const list = trailing.length > 0 ? [...trailing] : split(option) ?? split(env) ?? [...DEFAULT_SERVERS];
  for (const spec of list) parseServerSpec(spec); // throws MemcacheIllegalInputError naming the spec
  return list;
}

function split(text: string | undefined): string[] | undefined {
  const list = text?.split(',').map((s) => s.trim()).filter((s) => s !== '') ?? [];
  return list.length > 0 ? list : undefined;
}

function integer(text: string | undefined, name: string, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const value = /^-?[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new MemcacheIllegalInputError(`--${name} must be an integer ≥ ${min}, got '${text}'`);
  return value;
}
