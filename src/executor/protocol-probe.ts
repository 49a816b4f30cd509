import { LineReader } from '../commands/readers.js';
import { Connection } from '../connection/connection.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import { MemcacheUnexpectedCloseError, MemcacheUnknownCommandError } from '../errors.js';
import type { Frame } from '../protocol/frames.js';

/** The first memcached whose meta protocol is the one this client speaks (1.6.10 renamed OK to HD and fixed ms). */
const META_SINCE = [1, 6, 10] as const;

/**
 * Asks a server, on a connection of its own, whether it speaks the meta protocol: `mn` must be answered
 * `MN`, and `version` must say 1.6.10 or later. A proxy without meta commands (twemproxy 0.5 closes the
 * connection on `mn`, though it forwards `version` to a 1.6 backend) or an older server answers no; the
 * client's own connection never sees the probe. `done` gets true, false, or undefined when the probe
 * could not finish (the server unreachable): ask again later. Returns what stops the probe (its connection
 * goes, `done` is not called).
 *
 * @example
 * ```ts
 * probeMeta(settings, (meta) => (protocol = meta === true ? 'meta' : 'text'));
 * ```
 */
export function probeMeta(settings: ConnectionSettings, done: (meta: boolean | undefined) => void): () => void {
  const connection = new Connection({ ...settings, noreplySentinel: false, onHealth: () => undefined, onNoreplyError: () => undefined, onSentinelUnsupported: () => undefined });
  let noop: boolean | undefined;
  let over = false;
  const finish = (meta: boolean | undefined): void => {
    if (over) return;
    over = true;
    connection.destroy();
    done(meta);
  };
  connection.submit(
    ['mn\r\n'],
    {
      read: (frame: Frame) => {
        noop = frame.kind === 'line' && frame.line.toString('latin1') === 'MN';
        // A refusal, not an unknown command: memcached -Y's `CLIENT_ERROR unauthenticated` (it then leaves
        // `version` unanswered) says nothing about meta. Stop asking at once.
        if (frame.kind === 'error' && frame.type !== 'ERROR') finish(undefined);
        return true;
      },
      result: () => undefined,
    },
    () => undefined,
    (error) => {
      // A bare ERROR is a server that does not know `mn`; closing on it, a proxy that refuses it. A
      // connection never made says nothing about the server.
      if (error instanceof MemcacheUnknownCommandError || error instanceof MemcacheUnexpectedCloseError) noop = false;
    },
  );
  let version = '';
  connection.submit(
    ['version\r\n'],
    new LineReader('version', (line) => (line.startsWith('VERSION ') ? (version = line.slice(8)) : undefined)),
    () => finish(noop === true && atLeast(version, META_SINCE)),
    // The probe connection was refused or lost: whether `mn` closed it (a proxy) decides, if it was answered.
    () => finish(noop === false ? false : undefined),
  );
  return () => {
    over = true;
    connection.destroy();
  };
}

function atLeast(version: string, since: readonly number[]): boolean {
  const parts = version.split(/[.-]/).map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < since.length; i++) {
    const have = parts[i] ?? 0;
    const want = since[i] ?? 0;
    if (Number.isNaN(have)) return false;
    if (have !== want) return have > want;
  }
  return true;
}
