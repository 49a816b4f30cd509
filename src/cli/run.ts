import { HashClient, MemcacheIllegalInputError, type HashClientOptions } from '../index.js';
import { parseInvocation, usageLines, type CommandName, type Invocation } from './args.js';
import { keys } from './keys.js';
import { load } from './load.js';
import { flush, get, incr, remove, set, stats, version, type CliCommand } from './one-shot.js';
import { describe } from './per-server.js';
import type { Terminal } from './terminal.js';
import { top } from './top.js';

const COMMANDS: Record<CommandName, CliCommand> = { stats, get, set, delete: remove, incr, flush, keys, load, version, top };

/** Exit codes: done, a miss or a failure, a command line (or input) the CLI cannot run. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * Runs one CLI invocation and resolves to its exit code (0 ok, 1 miss or failure, 2 usage). The
 * client is closed before it resolves, so nothing is left to keep the process alive.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['get', 'user:1'], nodeTerminal());
 * ```
 */
export async function runCli(argv: readonly string[], terminal: Terminal): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseInvocation(argv, terminal.env);
  } catch (error) {
    terminal.err.write(`rxmemcache: ${error instanceof Error ? error.message : String(error)}\nTry 'rxmemcache --help'.\n`);
    return EXIT.usage;
  }
  if (invocation.command === 'help') {
    terminal.out.write(`${helpText()}\n`);
    return EXIT.ok;
  }
  const client = new HashClient(invocation.servers, clientOptions(invocation));
  try {
    return await COMMANDS[invocation.command](client, invocation, terminal);
  } catch (error) {
    terminal.err.write(`rxmemcache ${invocation.command}: ${describe(error)}\n`);
    return error instanceof MemcacheIllegalInputError ? EXIT.usage : EXIT.failure;
  } finally {
    await client.close();
  }
}

/**
 * `top` wants a stopped server out of the ring within a couple of polls and a restarted one back
 * within a second or so, where an application's defaults (60 s out) would leave it down for a minute.
 */
function clientOptions({ command, timeout, interval }: Invocation): HashClientOptions<string | Uint8Array> {
  const base = { timeout, connectTimeout: Math.min(timeout, 5000) };
  return command === 'top' ? { ...base, retryTimeout: interval, deadTimeout: Math.max(1000, interval) } : base;
}

/** `rxmemcache --help`. */
export function helpText(): string {
  return [
    'rxmemcache: memcached from the command line, over rxmemcache\'s HashClient.',
    '',
    'Usage:',
    ...usageLines(),
    '',
    'Servers: host:port, [::1]:port or a socket path; from the arguments, else --servers a,b,',
    'else MEMCACHED_SERVERS (comma-separated), else 127.0.0.1:11211.',
    '',
    'Options:',
    '  -s, --servers <list>   comma-separated servers',
    '  -t, --timeout <ms>     per command (default 1000; keys: 30000 between lines)',
    '      --ttl <seconds>    set: expiry (default 0, never)',
    '      --raw              stats: every stat as "server name value"; keys: whole metadump lines',
    '      --batch <n>        load: items per setMany (default 500)',
    '  -i, --interval <ms>    top: refresh period (default 1000)',
    '  -n, --count <n>        top: stop after n screens',
    '  -h, --help             this text',
    '',
    'Exit codes: 0 ok, 1 miss or failure, 2 usage error.',
    'Colors only on a terminal, and never when NO_COLOR is set.',
  ].join('\n');
}
