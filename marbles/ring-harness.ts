import fc from 'fast-check';
import { BehaviorSubject, Subject, throwError, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import { HashClient, type ClusterRing, type Endpoint, type Hasher, type ServerHealth, type WeightedServer } from '../src/index.js';
import { createFakeTransport } from './fake-transport.js';
import { DEAD_TIMEOUT, POOL, RingModel, type Entry } from './ring-model.js';

// The real side of ring-model.test.ts: a HashClient over fake servers in virtual time, and the
// comparison with the model after every step.

const KEYS = Array.from({ length: 40 }, (_, i) => `key:${i}`);

/** A HashClient that lets the test reach its server nodes, as commands would. */
class Observed extends HashClient {
  node(name: string): { failed(error: unknown): void; succeeded(): void } {
    const node = this.members.current.find((n) => n.name === name);
    if (node === undefined) throw new Error(`${name} is not a member`);
    return node;
  }
}

export interface Real {
  readonly scheduler: TestScheduler;
  readonly client: Observed;
  readonly list$: BehaviorSubject<WeightedServer[]>;
  readonly emitted: string[][];
  ring: ClusterRing | undefined;
  health: ReadonlyMap<string, ServerHealth>;
  readonly reachable: Map<string, boolean>;
  readonly sockets: Map<string, Subject<Buffer>>;
}

const refused = (): Observable<Buffer> => throwError(() => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));

function startReal(scheduler: TestScheduler, model: RingModel): Real {
  const reachable = new Map(model.reachable);
  const sockets = new Map<string, Subject<Buffer>>();
  // Each server answers `version` (the probe) while reachable, and refuses connections otherwise.
  const fakes = new Map(
    POOL.map((name) => [
      name,
      createFakeTransport({
        scheduler,
        replies: () => {
          if (reachable.get(name) !== true) return refused();
          const socket = new Subject<Buffer>();
          sockets.set(name, socket);
          return socket;
        },
        respond: (written) => (written.startsWith('version') ? 'VERSION 1.6.18\r\n' : undefined),
      }),
    ]),
  );
  const connect = (e: Endpoint) => fakes.get(e.kind === 'tcp' ? `${e.host}:${e.port}` : e.path)!.transport;
  const list$ = new BehaviorSubject(model.list());
  const options = { hasher: model.hasher, scheduler, connect, retryAttempts: model.retryAttempts, retryTimeout: 0, deadTimeout: DEAD_TIMEOUT };
  const client = new Observed(list$, { ...options, protocol: 'text', timeout: 500, connectTimeout: 500, backoff: { initial: 1, max: 1 } });
  const real: Real = { scheduler, client, list$, emitted: [], ring: undefined, health: new Map(), reachable, sockets };
  client.ring$.subscribe((ring) => {
    real.ring = ring;
    real.emitted.push([...ring.servers]);
  });
  client.health$.subscribe((health) => (real.health = health));
  real.emitted.splice(0); // the replayed ring is the starting point, not a change
  return real;
}

/** Runs virtual time forward by `ms`, everything due on the way included. */
export function advance(scheduler: TestScheduler, ms: number): void {
  const end = scheduler.now() + ms;
  scheduler.schedule(() => undefined, ms);
  scheduler.maxFrames = end;
  scheduler.flush();
}

export function check(model: RingModel, real: Real, expected: string[][]): void {
  advance(real.scheduler, 0);
  expect(real.emitted.splice(0)).toEqual(expected);
  expect(real.ring?.servers).toEqual(model.live().map((s) => s.name));
  const ring = model.ring();
  for (const key of KEYS) {
    const owner = ring.nodeFor(key);
    expect(real.ring?.nodeFor(key)).toBe(owner);
    expect(real.client.serverFor(key)).toBe(owner);
  }
  expect([...real.health].map(([name, h]) => `${name} ${h.state}`)).toEqual(model.config.map((s) => `${s.name} ${s.state}`));
}

/** Where a program starts: the lifecycle setting, the configured servers, and who answers no probe. */
export interface Setup {
  readonly retryAttempts: number;
  readonly servers: readonly Entry[];
  readonly unreachable: readonly string[];
}

/** Runs one program against a fresh model and a fresh HashClient, in virtual time. */
export function runProgram(setup: Setup, hasher: Hasher, program: Iterable<fc.Command<RingModel, Real>>): void {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  scheduler.run(() => {
    const model = new RingModel(hasher, setup.retryAttempts);
    model.apply(setup.servers);
    for (const name of setup.unreachable) model.reachable.set(name, false);
    const real = startReal(scheduler, model);
    try {
      fc.modelRun(() => ({ model, real }), program);
    } finally {
      void real.client.close();
      scheduler.maxFrames = scheduler.now(); // probes and timers left are not run
    }
  });
}
