import type { Hasher, Ring, RingNode, WeightedServer } from '../src/index.js';

// A tiny model of a HashClient's membership, lifecycle and ring, for ring-model.test.ts. The lifecycle
// rules are the README's with retryTimeout 0 (every failure counts): `retryAttempts` failures make a
// server dead; a success brings a failing one back up; a dead one is probed `deadTimeout` after it died
// and comes back only if it answers. A server added again, or with a new weight, starts afresh.

export const POOL = ['10.0.0.1:11211', '10.0.0.2:11211', '10.0.0.3:11211', '10.0.0.4:11211', '10.0.0.5:11211', '10.0.0.6:11211'];
export const DEAD_TIMEOUT = 5000;

/** A configured server as the `servers` list names it. */
export type Entry = { readonly name: string; readonly weight: number };

export interface ModelServer {
  readonly name: string;
  readonly weight: number;
  /** Which incarnation: a server removed and added again, or re-weighted, is a new node. */
  readonly generation: number;
  state: 'up' | 'failing' | 'dead';
  attempts: number;
  /** When a dead server is probed, and in which order probes due at the same time run. */
  probeAt: number;
  probeOrder: number;
}

export class RingModel {
  now = 0;
  config: ModelServer[] = [];
  readonly reachable = new Map<string, boolean>(POOL.map((n) => [n, true]));
  private generations = 0;
  private deaths = 0;

  constructor(
    readonly hasher: Hasher,
    readonly retryAttempts: number,
  ) {}

  /** The list the `servers` Observable emits for the current configuration. */
  list(): WeightedServer[] {
    return this.config.map((s) => ({ server: s.name, weight: s.weight }));
  }

  /** Applies a new list: unchanged servers (same name and weight) keep their state. */
  apply(entries: readonly Entry[]): void {
    this.config = entries.map(({ name, weight }) => {
      const kept = this.config.find((s) => s.name === name && s.weight === weight);
      return kept ?? { name, weight, generation: ++this.generations, state: 'up', attempts: 0, probeAt: 0, probeOrder: 0 };
    });
  }

  fail(server: ModelServer): void {
    if (server.state === 'dead') return;
    server.attempts = server.state === 'up' ? 1 : server.attempts + 1;
    if (server.attempts >= this.retryAttempts) this.die(server, this.now);
    else server.state = 'failing';
  }

  succeed(server: ModelServer): void {
    if (server.state === 'failing') server.state = 'up';
  }

  /**
   * Lets `ms` pass: due probes run in time order (same time: in the order the servers died). Returns the
   * live servers after each change of the live set, in order.
   */
  advance(ms: number): string[][] {
    const end = this.now + ms;
    const seen: string[][] = [];
    let last = this.liveKey().join();
    for (;;) {
      const due = this.config.filter((s) => s.state === 'dead' && s.probeAt <= end).sort((a, b) => a.probeAt - b.probeAt || a.probeOrder - b.probeOrder)[0];
      if (due === undefined) break;
      this.now = due.probeAt;
      if (this.reachable.get(due.name) === true) due.state = 'up';
      else this.die(due, this.now);
      if (this.liveKey().join() !== last) seen.push(this.live().map((s) => s.name));
      last = this.liveKey().join();
    }
    this.now = end;
    return seen;
  }

  live(): ModelServer[] {
    return this.config.filter((s) => s.state !== 'dead');
  }

  /** The live set with each node's identity, to tell when the ring must change. */
  liveKey(): string[] {
    return this.live().map((s) => `${s.name}/${s.weight}#${s.generation}`);
  }

  /** The hasher's ring over the model's live set. */
  ring(): Ring {
    return this.hasher(this.live().map(ringNode));
  }

  private die(server: ModelServer, at: number): void {
    server.state = 'dead';
    server.probeAt = at + DEAD_TIMEOUT;
    server.probeOrder = ++this.deaths;
  }
}

function ringNode(s: ModelServer): RingNode {
  const at = s.name.lastIndexOf(':');
  return { name: s.name, host: s.name.slice(0, at), port: Number(s.name.slice(at + 1)), weight: s.weight };
}
