import { Observable, type Subscription } from 'rxjs';
import type { ClientMetrics } from '../client/telemetry.js';

/** What the merged counters need of a server. */
export interface MetricsSource {
  readonly name: string;
  readonly client: { readonly metrics$: Observable<ClientMetrics> };
}

/**
 * Every member's `metrics$`, as one map by server name after every change. Each member's counters are
 * subscribed once per subscriber and kept while the member stays, so a membership change (a server
 * joining or leaving) does not start the others' counters again from zero.
 *
 * @example
 * ```ts
 * clusterMetrics(members$).subscribe((all) => console.log(all.get('10.0.0.1:11211')?.commands));
 * ```
 */
export function clusterMetrics<M extends MetricsSource>(members$: Observable<readonly M[]>): Observable<ReadonlyMap<string, ClientMetrics>> {
  return new Observable((subscriber) => {
    const counters = new Map<M, { subscription: Subscription | undefined; latest: ClientMetrics | undefined }>();
    let members: readonly M[] = [];
    let updating = false;
    const emit = (): void => {
      if (updating) return;
      const out = new Map<string, ClientMetrics>();
      for (const member of members) {
        const latest = counters.get(member)?.latest;
        if (latest === undefined) return; // not every member has reported yet
        out.set(member.name, latest);
      }
      subscriber.next(out);
    };
    const membership = members$.subscribe({
      next: (next) => {
        // One emission per membership change: new members report synchronously while they subscribe.
        updating = true;
        const kept = new Set(next);
        for (const [member, slot] of counters) {
          if (kept.has(member)) continue;
          slot.subscription?.unsubscribe();
          counters.delete(member);
        }
        members = next;
        for (const member of next) {
          if (counters.has(member)) continue;
          const slot: { subscription: Subscription | undefined; latest: ClientMetrics | undefined } = { subscription: undefined, latest: undefined };
          counters.set(member, slot);
          slot.subscription = member.client.metrics$.subscribe((m) => {
            slot.latest = m;
            emit();
          });
        }
        updating = false;
        emit();
      },
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      membership.unsubscribe();
      for (const slot of counters.values()) slot.subscription?.unsubscribe();
      counters.clear();
    };
  });
}
