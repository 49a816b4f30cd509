import { combineLatest, distinctUntilChanged, map, of, shareReplay, switchMap, type Observable } from 'rxjs';
import type { Hasher, Ring, RingNode } from './hasher.js';
import { isLive, type ServerHealth } from './server-health.js';

/** What the ring needs of a server. */
export interface RingMember {
  readonly name: string;
  readonly ringNode: RingNode;
  readonly health$: Observable<ServerHealth>;
}

/** A ring together with the live members it was built from. */
export interface RingState<M extends RingMember> {
  /** Live members in configuration order. */
  readonly live: readonly M[];
  readonly byName: ReadonlyMap<string, M>;
  readonly ring: Ring;
}

/**
 * Derives the ring from membership and health: every membership list is combined with its members'
 * health streams, reduced to the live set, and a new ring is built only when that set changes.
 *
 * @example
 * ```ts
 * ringOf(members$, rendezvousHasher()).subscribe((s) => console.log(s.live.map((m) => m.name)));
 * ```
 */
export function ringOf<M extends RingMember>(members$: Observable<readonly M[]>, hasher: Hasher): Observable<RingState<M>> {
  return members$.pipe(
    switchMap((members) =>
      members.length === 0
        ? of<M[]>([])
        : combineLatest(members.map((m) => m.health$.pipe(map((h) => (isLive(h) ? m : undefined))))).pipe(
            map((maybe) => maybe.filter((m): m is M => m !== undefined)),
          ),
    ),
    distinctUntilChanged((a, b) => a.length === b.length && a.every((m, i) => m === b[i])),
    map((live) => ({ live, byName: new Map(live.map((m) => [m.name, m])), ring: hasher(live.map((m) => m.ringNode)) })),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
}
