import { BehaviorSubject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { HashClient, type ClientMetrics } from '../../src/index.js';
import { clusterFixture } from './servers.js';

// HashClient.metrics$ keys every server's counters by name and keeps them while the server stays.
const { start, track } = clusterFixture();

describe('metrics$ across membership changes', () => {
  it('a server joining keeps the other servers’ counters', async () => {
    const specs = (await start(3)).map((s) => s.spec);
    const list$ = new BehaviorSubject(specs.slice(0, 2));
    const cluster = track(new HashClient(list$));
    let latest: ReadonlyMap<string, ClientMetrics> = new Map();
    const watching = cluster.metrics$.subscribe((m) => (latest = m));
    await cluster.getMany(Array.from({ length: 40 }, (_, i) => `m:${i}`));
    for (let i = 0; i < 10; i++) await cluster.get(`m:${i}`);
    const commands = (): number[] => specs.map((s) => latest.get(s)?.commands ?? -1);
    const [a, b] = commands();
    expect(a! + b!).toBe(12); // one getMany share per server, then ten gets
    list$.next(specs);
    expect(commands()).toEqual([a, b, 0]);
    list$.next([specs[1]!, specs[2]!]);
    expect(commands()).toEqual([-1, b, 0]);
    watching.unsubscribe();
  });
});
