import { Observable, timeout, type SchedulerLike } from 'rxjs';
import { socketTransport, type Writer } from '../connection/transport.js';
import { MemcacheConnectionError, MemcacheServerError, MemcacheTimeoutError, parseServerSpec } from '../index.js';

/** One item as `lru_crawler metadump` lists it: the key (decoded) and the whole line, for `--raw`. */
export interface DumpedItem {
  readonly key: string;
  readonly line: string;
}

/**
 * Streams one server's items from `lru_crawler metadump all` (memcached ≥ 1.5), one at a time as lines
 * arrive, so a large cache is never held in memory. It runs on a connection of its own: memcached
 * refuses to pipeline anything with a metadump ("ERROR cannot pipeline other commands before
 * metadump"), and its item lines end in a bare LF, which the client's CRLF parser rightly rejects.
 * `idleTimeout` bounds each wait for more data.
 *
 * @example
 * ```ts
 * metadump('127.0.0.1:11211', 30_000).subscribe((item) => console.log(item.key));
 * ```
 */
export function metadump(server: string, idleTimeout: number, scheduler?: SchedulerLike): Observable<DumpedItem> {
  // The library's own transport (the one module that opens sockets), read here line by line.
  const bytes$ = socketTransport(parseServerSpec(server), { noDelay: true, keepAlive: false, tls: undefined });
  const dump$ = new Observable<DumpedItem>((subscriber) => {
    let pending = '';
    let writer: Writer | undefined;
    const reading = bytes$((w) => {
      writer = w;
      w.write(['lru_crawler metadump all\r\n']);
    }).subscribe({
      next: (chunk) => {
        // A chunk is valid only during this call: copied out as text at once.
        const lines = (pending + chunk.toString('latin1')).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          // Items end in LF; the final END, or an error (BUSY when a crawl is running), in CRLF.
          if (line.startsWith('key=')) subscriber.next(item(line));
          else if (line === 'END\r') subscriber.complete();
          else subscriber.error(new MemcacheServerError(`${server}: ${line.trim()}`));
        }
      },
      error: (error: unknown) => subscriber.error(error instanceof Error ? error : new MemcacheConnectionError(`${server}: ${String(error)}`)),
      complete: () => subscriber.error(new MemcacheConnectionError(`${server}: connection closed during metadump`)),
    });
    return () => {
      writer?.end(['quit\r\n']);
      reading.unsubscribe();
    };
  });
  return dump$.pipe(timeout({ each: idleTimeout, ...(scheduler === undefined ? {} : { scheduler }), with: () => timedOut(server, idleTimeout) }));
}

function timedOut(server: string, ms: number): Observable<never> {
  return new Observable((subscriber) => subscriber.error(new MemcacheTimeoutError(`${server}: no metadump data for ${ms} ms`)));
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** memcached URI-encodes keys in a metadump; show them decoded when they are UTF-8, else as sent. */
function item(line: string): DumpedItem {
  const encoded = line.slice(4, line.indexOf(' ') === -1 ? undefined : line.indexOf(' '));
  const bytes = Buffer.from(encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
  try {
    return { key: strictUtf8.decode(bytes), line };
  } catch {
    return { key: encoded, line };
  }
}
