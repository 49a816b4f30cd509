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
    const counters = new MemberCounters<M>((all) => subscriber.next(all));
    const membership = members$.subscribe({
      next: (members) => counters.follow(members),
      error: (error: unknown) => subscriber.error(error),
      complete: () => subscriber.complete(),
    });
    return () => {
      membership.unsubscribe();
      counters.stop();
    };
  });
}

interface Slot {
  subscription: Subscription | undefined;
  latest: ClientMetrics | undefined;
}

/** One subscriber's view: a subscription per member, kept across membership changes. */
class MemberCounters<M extends MetricsSource> {
  private readonly slots = new Map<M, Slot>();
  private members: readonly M[] = [];
  private following = false;

  constructor(private readonly emit: (all: ReadonlyMap<string, ClientMetrics>) => void) {}

  /** Takes a new member list: new members are subscribed, departed ones dropped, the rest kept. */
  follow(members: readonly M[]): void {
    // New members report synchronously as they are subscribed; one emission for the whole change.
    this.following = true;
    const kept = new Set(members);
    for (const [member, slot] of this.slots) {
      if (kept.has(member)) continue;
      slot.subscription?.unsubscribe();
      this.slots.delete(member);
    }
    this.members = members;
    for (const member of members) if (!this.slots.has(member)) this.watch(member);
    this.following = false;
    this.report();
  }

  stop(): void {
    for (const slot of this.slots.values()) slot.subscription?.unsubscribe();
    this.slots.clear();
  }

  private watch(member: M): void {
    const slot: Slot = { subscription: undefined, latest: undefined };
    this.slots.set(member, slot);
    slot.subscription = member.client.metrics$.subscribe((metrics) => {
      slot.latest = metrics;
      this.report();
    });
  }

  /** Emits the map once every member has reported. */
  private report(): void {
    if (this.following) return;
    const all = new Map<string, ClientMetrics>();
    for (const member of this.members) {
      const latest = this.slots.get(member)?.latest;
      if (latest === undefined) return;
      all.set(member.name, latest);
    }
    this.emit(all);
  }
}
