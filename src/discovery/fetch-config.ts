import { Observable, throwError, timeout, type SchedulerLike } from 'rxjs';
import type { Transport } from '../connection/transport.js';
import { MemcacheTimeoutError, MemcacheUnexpectedCloseError } from '../errors.js';
import { parseClusterConfig, type ClusterConfig } from './cluster-config.js';

/**
 * Asks a configuration endpoint once: connects, sends `config get cluster`, emits the configuration and
 * completes, closing the connection. A poll every minute or so does not need a connection kept open
 * between polls, and a fresh one cannot carry a previous poll's late reply.
 */
export function fetchClusterConfig(transport: Transport, deadline: number, scheduler: SchedulerLike, label: string): Observable<ClusterConfig> {
  const ask = new Observable<ClusterConfig>((subscriber) => {
    // Replies are a few hundred bytes; a chunk is only valid until `next` returns, so it is copied.
    let received = Buffer.alloc(0);
    return transport((writer) => writer.write(['config get cluster\r\n'])).subscribe({
      next: (chunk) => {
        received = Buffer.concat([received, chunk]);
        let config: ClusterConfig | undefined;
        try {
          config = parseClusterConfig(received);
        } catch (error) {
          subscriber.error(error);
          return;
        }
        if (config === undefined) return;
        subscriber.next(config);
        subscriber.complete();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.error(new MemcacheUnexpectedCloseError(`${label} closed the connection before answering config get cluster`)),
    });
  });
  return ask.pipe(
    timeout({
      first: deadline,
      scheduler,
      with: () => throwError(() => new MemcacheTimeoutError(`${label} did not answer config get cluster within ${deadline} ms`)),
    }),
  );
}
