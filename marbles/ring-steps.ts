import fc from 'fast-check';
import { MemcacheConnectionError } from '../src/index.js';
import { advance, check, type Real, type Setup } from './ring-harness.js';
import { DEAD_TIMEOUT, POOL, type Entry, type ModelServer, type RingModel } from './ring-model.js';

// The steps of ring-model.test.ts's programs; each changes the model and the real HashClient alike.

/** One step: changes the model and the real system alike, then compares them. */
export abstract class Step implements fc.Command<RingModel, Real> {
  check(model: Readonly<RingModel>): boolean {
    return model.config.length > 0;
  }
  run(model: RingModel, real: Real): void {
    const before = model.liveKey().join();
    const expected = this.apply(model, real);
    check(model, real, expected ?? (model.liveKey().join() === before ? [] : [model.live().map((s) => s.name)]));
  }
  /** Returns the ring emissions expected when they are not simply "one if the live set changed". */
  protected abstract apply(model: RingModel, real: Real): string[][] | undefined;
  abstract toString(): string;
}

const entriesOf = (model: RingModel): Entry[] => model.config.map(({ name, weight }) => ({ name, weight }));
const pick = (model: Readonly<RingModel>, index: number): ModelServer => model.config[index % model.config.length]!;
function emitList(model: RingModel, real: Real, entries: readonly Entry[]): undefined {
  model.apply(entries);
  real.list$.next(model.list());
  return undefined;
}

export class SetList extends Step {
  constructor(readonly entries: readonly Entry[]) {
    super();
  }
  override check(): boolean {
    return true;
  }
  apply(model: RingModel, real: Real): undefined {
    return emitList(model, real, this.entries);
  }
  toString(): string {
    return `list(${this.entries.map((e) => `${e.name}*${e.weight}`).join(', ')})`;
  }
}

export class Join extends Step {
  constructor(readonly name: string, readonly weight: number, readonly at: number) {
    super();
  }
  override check(model: Readonly<RingModel>): boolean {
    return !model.config.some((s) => s.name === this.name);
  }
  apply(model: RingModel, real: Real): undefined {
    const entries = entriesOf(model);
    entries.splice(this.at % (entries.length + 1), 0, { name: this.name, weight: this.weight });
    return emitList(model, real, entries);
  }
  toString(): string {
    return `join(${this.name}*${this.weight} at ${this.at})`;
  }
}

export class Leave extends Step {
  constructor(readonly index: number) {
    super();
  }
  apply(model: RingModel, real: Real): undefined {
    const gone = pick(model, this.index);
    return emitList(model, real, entriesOf(model).filter((e) => e.name !== gone.name));
  }
  toString(): string {
    return `leave(#${this.index})`;
  }
}

export class Reweight extends Step {
  constructor(readonly index: number, readonly weight: number) {
    super();
  }
  apply(model: RingModel, real: Real): undefined {
    const target = pick(model, this.index);
    return emitList(model, real, entriesOf(model).map((e) => (e.name === target.name ? { ...e, weight: this.weight } : e)));
  }
  toString(): string {
    return `reweight(#${this.index}, ${this.weight})`;
  }
}

export class Fail extends Step {
  constructor(readonly index: number) {
    super();
  }
  apply(model: RingModel, real: Real): undefined {
    const server = pick(model, this.index);
    model.fail(server);
    real.client.node(server.name).failed(new MemcacheConnectionError(`${server.name} refused`));
    return undefined;
  }
  toString(): string {
    return `fail(#${this.index})`;
  }
}

export class Succeed extends Step {
  constructor(readonly index: number) {
    super();
  }
  apply(model: RingModel, real: Real): undefined {
    const server = pick(model, this.index);
    model.succeed(server);
    real.client.node(server.name).succeeded();
    return undefined;
  }
  toString(): string {
    return `succeed(#${this.index})`;
  }
}

export class Reachable extends Step {
  constructor(readonly index: number, readonly up: boolean) {
    super();
  }
  apply(model: RingModel, real: Real): undefined {
    const { name } = pick(model, this.index);
    model.reachable.set(name, this.up);
    real.reachable.set(name, this.up);
    // An open connection dies with the server's reachability, so the next probe has to connect.
    if (!this.up) real.sockets.get(name)?.error(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    return undefined;
  }
  toString(): string {
    return `${this.up ? 'reachable' : 'unreachable'}(#${this.index})`;
  }
}

export class Wait extends Step {
  constructor(readonly ms: number) {
    super();
  }
  override check(): boolean {
    return true;
  }
  apply(model: RingModel, real: Real): string[][] {
    const expected = model.advance(this.ms);
    advance(real.scheduler, this.ms);
    return expected;
  }
  toString(): string {
    return `wait(${this.ms})`;
  }
}

const name = fc.constantFrom(...POOL);
const weight = fc.integer({ min: 1, max: 3 });
const index = fc.nat({ max: 5 });
export const list = fc.uniqueArray(fc.record({ name, weight }), { selector: (e) => e.name, maxLength: POOL.length });
const fail = index.map((i) => new Fail(i));
const succeed = index.map((i) => new Succeed(i));
const reachable = fc.tuple(index, fc.boolean()).map(([i, up]) => new Reachable(i, up));
// Short waits, and waits long enough for probes (deadTimeout, exactly or more).
const wait = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(DEAD_TIMEOUT), fc.integer({ min: DEAD_TIMEOUT, max: 2 * DEAD_TIMEOUT })).map((ms) => new Wait(ms));
/** Every kind of step; health changes and time come more often, so servers get to die and be probed. */
export const steps = [
  list.map((entries) => new SetList(entries)),
  fc.tuple(name, weight, index).map(([n, w, at]) => new Join(n, w, at)),
  index.map((i) => new Leave(i)),
  fc.tuple(index, weight).map(([i, w]) => new Reweight(i, w)),
  ...[fail, fail, fail, succeed, succeed, reachable, reachable, wait, wait],
];

/** Where programs start: a lifecycle setting, some configured servers, some that answer no probe. */
export const setups: fc.Arbitrary<Setup> = fc.record({ retryAttempts: fc.integer({ min: 1, max: 3 }), servers: list, unreachable: fc.subarray(POOL) });
