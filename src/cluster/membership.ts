import { BehaviorSubject, combineLatest, map, of, switchMap, type Observable } from 'rxjs';
import { MemcacheIllegalInputError } from '../errors.js';
import { endpointLabel, parseServerSpec, type ServerSpec } from '../client/server-spec.js';
import type { ServerHealth } from './server-health.js';
import { ServerNode, type LifecycleSettings, type NodeClientOptions } from './server-node.js';

/** A server spec, optionally with a weight (default 1). */
export type WeightedServer = ServerSpec | { readonly server: ServerSpec; readonly weight: number };

/**
 * The configured servers. Applying a new list adds nodes for new servers and removes the ones that
 * disappeared (their health goes to `removed`, their connections drain); unchanged servers keep their
 * node, connection and health.
 */
export class Membership {
  private readonly nodes = new Map<string, ServerNode>();
  private readonly subject = new BehaviorSubject<ReadonlyArray<ServerNode>>([]);
  /** The members, plus servers on their way out until they have reported `removed`. */
  private readonly reporting = new BehaviorSubject<ReadonlyArray<ServerNode>>([]);
  /** The current nodes in configuration order. */
  readonly members$: Observable<ReadonlyArray<ServerNode>> = this.subject.asObservable();
  /** Every member's health, keyed by server name; a server that leaves shows `removed` once, then goes. */
  readonly health$: Observable<ReadonlyMap<string, ServerHealth>>;

  constructor(
    private readonly options: NodeClientOptions,
    private readonly lifecycle: LifecycleSettings,
  ) {
    this.health$ = this.reporting.pipe(
      switchMap((nodes) =>
        nodes.length === 0 ? of([]) : combineLatest(nodes.map((n) => n.health$.pipe(map((h) => [n.name, h] as const)))),
      ),
      map((entries) => new Map(entries)),
    );
  }

  get current(): ReadonlyArray<ServerNode> {
    return this.subject.getValue();
  }

  /** The current servers' names, in configuration order. */
  get names(): readonly string[] {
    return this.current.map((n) => n.name);
  }

  /** Validates the whole list first, so a bad entry changes nothing. */
  apply(list: readonly WeightedServer[]): void {
    const wanted = list.map(normalize);
    const next: Array<ServerNode> = [];
    const replaced: Array<ServerNode> = [];
    const named = new Set<string>();
    for (const { spec, weight, name } of wanted) {
      // A server listed twice is one server (pymemcache ignores duplicate nodes too).
      if (named.has(name)) continue;
      named.add(name);
      const existing = this.nodes.get(name);
      if (existing !== undefined && existing.ringNode.weight === weight) next.push(existing);
      else {
        if (existing !== undefined) replaced.push(existing);
        const node = new ServerNode(spec, weight, this.options, this.lifecycle);
        this.nodes.set(name, node);
        next.push(node);
      }
    }
    const keep = new Set(next);
    const gone: Array<ServerNode> = [];
    for (const [name, node] of this.nodes) {
      if (keep.has(node)) continue;
      this.nodes.delete(name);
      gone.push(node);
    }
    this.publish(next, gone, replaced);
  }

  /** Removes every node and waits for their connections to drain. */
  async close(): Promise<void> {
    const nodes = [...this.nodes.values()];
    this.nodes.clear();
    await Promise.all(this.publish([], nodes, []));
    this.subject.complete();
    this.reporting.complete();
  }

  /**
   * Makes `next` the membership, then retires the nodes that left (`gone`) or were replaced by a node
   * with another weight. In that order the ring changes once per list: a departing node reporting
   * `removed` before the list changed would show the ring a state that was never configured (without
   * it, and without its replacement). Health still shows each departed server as `removed` once.
   */
  private publish(next: Array<ServerNode>, gone: Array<ServerNode>, replaced: Array<ServerNode>): Array<Promise<void>> {
    this.reporting.next([...next, ...gone]);
    this.subject.next(next);
    const removals = [...gone, ...replaced].map((node) => node.remove());
    this.reporting.next(next);
    return removals;
  }
}

function normalize(entry: WeightedServer): { spec: ServerSpec; weight: number; name: string } {
  const weighted = typeof entry === 'object' && entry !== null && !Array.isArray(entry) && 'server' in entry;
  const spec = weighted ? entry.server : (entry as ServerSpec);
  const weight = weighted ? entry.weight : 1;
  if (!Number.isSafeInteger(weight) || weight < 1) throw new MemcacheIllegalInputError(`server weight must be a positive integer, got ${String(weight)}`);
  return { spec, weight, name: endpointLabel(parseServerSpec(spec)) };
}
