import { Observable, type TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import { MemcacheClusterError, MemcacheNoServersError, type MemcacheClosedError, type MemcacheError } from '../errors.js';
import type { Call } from '../executor/call.js';
import type { Executor, Load } from '../executor/executor.js';
import { fanOut, type Share } from './fan-out.js';
import type { RingState } from './ring.js';
import { split, type RoutedKey } from './routed-key.js';
import type { ServerNode } from './server-node.js';

/** What routing needs from its HashClient. */
export interface RouterSettings {
  /** The current ring (undefined before the first). */
  readonly ring: () => RingState<ServerNode> | undefined;
  /** The error every new command fails with once the client is closed, else undefined. */
  readonly closed: () => MemcacheClosedError | undefined;
  /** Every current server, for load, quit and close. */
  readonly nodes: () => readonly ServerNode[];
  readonly close: () => Promise<void>;
}

/**
 * The cluster as an executor: each key's call runs on the server the ring names when it is subscribed,
 * a batch is split by server and its parts run in parallel, a `server` call runs on every live server.
 * Every outcome feeds the server's health. A batch whose parts partly failed fails with one
 * `MemcacheClusterError` naming the failed keys and carrying what the healthy servers answered.
 */
export class Router implements Executor {
  constructor(private readonly settings: RouterSettings) {}

  get load(): Load {
    let queued = 0;
    let inFlight = 0;
    for (const node of this.settings.nodes()) {
      const load = node.executor.load;
      queued += load.queued;
      inFlight += load.inFlight;
    }
    return { queued, inFlight };
  }

  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic {
    if (call.info.scope === 'keys' && call.split !== undefined) return this.many(call, call.split, sink);
    const target = this.settings.closed() ?? this.target(call.keys[0] as RoutedKey);
    if (target instanceof Error) {
      sink.unsent?.();
      sink.error(target);
      return undefined;
    }
    return this.watch(target, (s) => target.executor.execute(call, s), sink);
  }

  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic {
    const closed = this.settings.closed();
    const key = call.keys[0];
    const target = key === undefined ? undefined : this.target(key);
    if (closed !== undefined || target instanceof Error) {
      sink.unsent?.();
      sink.error(closed ?? target);
      return undefined;
    }
    const live = target !== undefined ? [target] : (this.settings.ring()?.live ?? []);
    if (live.length === 0) {
      sink.unsent?.();
      sink.error(new MemcacheNoServersError('no live memcached server'));
      return undefined;
    }
    const refused: Array<{ keys: string[]; error: unknown }> = [];
    const work: Array<Share<string, T>> = [];
    for (const node of live) {
      const error = node.refusal();
      if (error !== undefined) refused.push({ keys: [node.name], error });
      else work.push({ keys: [node.name], run: () => this.observe(node, (s) => node.executor.execute(call, s)) });
    }
    return fanOut(work, refused).subscribe({
      next: ({ answered, failed }) => {
        const out = new Map(answered.map((a) => [a.keys[0] as string, a.result]));
        if (failed.length === 0) settle(sink, out);
        else sink.error(new MemcacheClusterError(`${failed.length} server(s) failed`, failed.flatMap((f) => f.keys), out, { cause: failed[0]?.error }));
      },
      error: (error: unknown) => sink.error(error),
    });
  }

  quit(): Promise<void> {
    return Promise.all(this.settings.nodes().map((n) => n.executor.quit())).then(() => undefined);
  }

  close(): Promise<void> {
    return this.settings.close();
  }

  destroy(error?: MemcacheError): void {
    for (const node of this.settings.nodes()) node.executor.destroy(error);
    void this.settings.close();
  }

  /** A batch: keys grouped by server in one pass, every part built before any runs, parts in parallel. */
  private many<T>(call: Call<T>, parts: NonNullable<Call<T>['split']>, sink: Sink<T>): TeardownLogic {
    const closed = this.settings.closed();
    if (closed !== undefined) {
      sink.unsent?.();
      sink.error(closed);
      return undefined;
    }
    const shares = new Map<ServerNode, number[]>();
    const unroutable: Array<{ keys: RoutedKey[]; error: unknown }> = [];
    call.keys.forEach((key, index) => {
      const target = this.target(key);
      if (target instanceof Error) unroutable.push({ keys: [key], error: target });
      else {
        // Appending in place: copying the share per key made 100,000 keys take 30 s.
        const share = shares.get(target);
        if (share === undefined) shares.set(target, [index]);
        else share.push(index);
      }
    });
    const work = [...shares].map(([node, indexes]): Share<RoutedKey, T> => {
      const part = parts.part(indexes);
      return { keys: part.keys, run: () => this.observe(node, (s) => node.executor.execute(part, s)) };
    });
    // fanOut emits exactly once; the command settles there, so no complete can follow an error.
    return fanOut(work, unroutable).subscribe({
      next: ({ answered, failed }) => {
        const result = parts.join(answered.map((a) => a.result));
        if (failed.length === 0) settle(sink, result);
        else {
          const failedKeys = failed.flatMap((f) => f.keys);
          sink.error(new MemcacheClusterError(`${failedKeys.length} key(s) on failed servers`, failedKeys, result, { cause: failed[0]?.error }));
        }
      },
      error: (error: unknown) => sink.error(error),
    });
  }

  /** The server a key routes to now, or why there is none it may be sent to. */
  private target(key: RoutedKey): ServerNode | MemcacheError {
    const state = this.settings.ring();
    const name = state?.ring.nodeFor(split(key)[0]);
    const node = name === undefined ? undefined : state?.byName.get(name);
    if (node === undefined) return new MemcacheNoServersError('no live memcached server to route to');
    return node.refusal() ?? node;
  }

  private observe<T>(node: ServerNode, start: (sink: Sink<T>) => TeardownLogic): Observable<T> {
    return new Observable<T>((subscriber) => this.watch(node, start, subscriber));
  }

  /** Runs a server's call into a sink; an answer tells the server's health it is reachable (failures come from its connection). */
  private watch<T>(node: ServerNode, start: (sink: Sink<T>) => TeardownLogic, sink: Sink<T>): TeardownLogic {
    return start({
      next: (value) => {
        node.succeeded();
        sink.next(value);
      },
      error: (error: unknown) => sink.error(error),
      complete: () => sink.complete(),
      unsent: () => sink.unsent?.(),
    });
  }
}

function settle<T>(sink: Sink<T>, value: T): void {
  sink.next(value);
  sink.complete();
}
