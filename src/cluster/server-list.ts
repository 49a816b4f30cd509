import type { Observable, Subscription } from 'rxjs';
import { MemcacheIllegalInputError } from '../errors.js';
import type { WeightedServer } from './membership.js';

/**
 * A problem with the `servers` Observable, as a HashClient's `events$` emits it. The cluster goes on
 * with the last list it accepted (`servers` names those servers), so a bad update never takes servers
 * away or crashes the process.
 *
 * - `servers-rejected`: a list had an invalid entry (or was not a list); nothing of it was applied, and
 *   the next valid list is applied as usual.
 * - `servers-failed`: the Observable errored; no list will come any more, so membership stays as it is.
 *
 * @example
 * ```ts
 * cluster.events$.subscribe((e) => {
 *   if (e.type === 'servers-rejected' || e.type === 'servers-failed') log.warn('discovery', e.error, e.servers);
 * });
 * ```
 */
export type MembershipEvent =
  | { readonly type: 'servers-rejected'; readonly error: MemcacheIllegalInputError; readonly servers: readonly string[] }
  | { readonly type: 'servers-failed'; readonly error: unknown; readonly servers: readonly string[] };

/** What following a list needs: apply a list (throwing if it is invalid), and the names now in use. */
export interface ListTarget {
  apply(list: readonly WeightedServer[]): void;
  readonly names: readonly string[];
}

/**
 * Applies every list `servers$` emits. An invalid list or an error of the source becomes a
 * `MembershipEvent` for `report` instead of an exception nobody handles; `report(undefined)` follows
 * every list that was applied, so the owner knows the last problem is over.
 */
export function followServers(
  servers$: Observable<readonly WeightedServer[]>,
  target: ListTarget,
  report: (problem: MembershipEvent | undefined) => void,
): Subscription {
  return servers$.subscribe({
    next: (list) => {
      try {
        if (!Array.isArray(list)) throw new MemcacheIllegalInputError(`servers must emit lists of server specs, got ${typeof list}`);
        target.apply(list);
      } catch (cause) {
        const error = cause instanceof MemcacheIllegalInputError ? cause : new MemcacheIllegalInputError('the server list was refused', { cause });
        report({ type: 'servers-rejected', error, servers: target.names });
        return;
      }
      report(undefined);
    },
    error: (error: unknown) => report({ type: 'servers-failed', error, servers: target.names }),
  });
}
