import { catchError, concat, EMPTY, lastValueFrom, map, tap } from 'rxjs';
import type { CliCommand } from './one-shot.js';
import { metadump } from './metadump.js';
import { describe } from './per-server.js';

/**
 * `keys [--raw]`: every key of every server (server after server), one per line as the server sends
 * them; `--raw` prints memcached's whole metadump line (expiry, last access, size, slab class). A
 * server that fails is named on stderr, the others still listed, and the exit code is 1.
 */
export const keys: CliCommand = async (_client, { servers, timeout, raw }, terminal) => {
  let failures = 0;
  const each = servers.map((server) =>
    metadump(server, timeout).pipe(
      map((item) => (raw ? `${item.line}\n` : `${item.key}\n`)),
      catchError((error: unknown) => {
        failures++;
        terminal.err.write(`${describe(error)}\n`);
        return EMPTY;
      }),
    ),
  );
  await lastValueFrom(concat(...each).pipe(tap((text) => terminal.out.write(text))), { defaultValue: undefined });
  return failures === 0 ? 0 : 1;
};
