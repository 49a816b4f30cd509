import fc from 'fast-check';

// Random client programs for the model-based test: trees of commands, where a child is issued from
// its parent's subscriber (synchronously in `next` or `complete`, or a microtask / an event-loop turn
// later), plus concatMap / mergeMap pipelines and early unsubscribes.

/**
 * The value call `seq` writes (entry `part` of a setMany): its sequence number first, so a crossed reply
 * shows whose it was, padded to `size` bytes.
 */
export function valueFor(seq: number, size: number, part = ''): string {
  const head = `${seq}${part}.`;
  return size <= head.length ? head.slice(0, size) : head.padEnd(size, 'x');
}

/** Keys every program shares, so commands collide; `u*` keys only ever see cancellable sets. */
export const KEYS = ['a', 'b', 'c'] as const;
export const UNSURE_KEYS = ['u0', 'u1'] as const;
export type PoolKey = (typeof KEYS)[number];
export type UnsureKey = (typeof UNSURE_KEYS)[number];

/** Storage verbs with the same shape: key, value, noreply. */
export type StoreKind = 'set' | 'add' | 'replace' | 'append' | 'prepend';

/** One client call. Values are not stored here: the interpreter derives them from `size` and the call's sequence number. */
export type Op =
  | { readonly kind: 'get' | 'gets'; readonly key: PoolKey }
  | { readonly kind: 'getMany' | 'getsMany'; readonly keys: readonly PoolKey[] }
  | { readonly kind: 'setMany'; readonly entries: ReadonlyArray<{ readonly key: PoolKey; readonly size: number }>; readonly noreply: boolean }
  | { readonly kind: 'deleteMany'; readonly keys: readonly PoolKey[]; readonly noreply: boolean }
  | { readonly kind: StoreKind; readonly key: PoolKey; readonly size: number; readonly noreply: boolean }
  | { readonly kind: 'cas'; readonly key: PoolKey; readonly size: number; readonly noreply: boolean }
  | { readonly kind: 'counter'; readonly key: PoolKey; readonly start: number }
  | { readonly kind: 'incr'; readonly key: PoolKey; readonly delta: number; readonly noreply: boolean }
  | { readonly kind: 'delete' | 'touch'; readonly key: PoolKey; readonly noreply: boolean }
  | { readonly kind: 'unsureSet'; readonly key: UnsureKey; readonly size: number; readonly noreply: boolean };

/** When a child starts, relative to its parent's outcome. */
export type Trigger = 'next' | 'complete' | 'microtask' | 'turn';
/** When an early unsubscribe happens, relative to the subscribe. */
export type CancelAt = 'sync' | 'microtask' | 'turn';

export interface CommandNode {
  readonly type: 'command';
  readonly op: Op;
  /** `subscribe` runs it as an Observable, `await` through its promise interface. */
  readonly via: 'subscribe' | 'await';
  /** Only reads and `unsureSet` are ever cancelled: a cancelled write may or may not take effect. */
  readonly cancel: CancelAt | undefined;
  readonly on: Trigger;
  readonly children: readonly ProgramNode[];
}

export interface PipeNode {
  readonly type: 'pipe';
  readonly flatten: 'concatMap' | 'mergeMap';
  readonly ops: readonly Op[];
  readonly on: Trigger;
}

export type ProgramNode = CommandNode | PipeNode;

export interface Root {
  /** `now`: same tick as the previous root; `turn`: after an event-loop turn; `wait`: after ~2 ms. */
  readonly start: 'now' | 'turn' | 'wait';
  readonly node: ProgramNode;
}

export interface Program {
  readonly maxPipeline: number;
  readonly roots: readonly Root[];
}

const key = fc.constantFrom(...KEYS);
/** 0 bytes to ~100 KB; over 16 KB a value took a different (synchronous) write path. */
const size = fc.oneof(
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.integer({ min: 1, max: 40 }) },
  { weight: 2, arbitrary: fc.integer({ min: 200, max: 4000 }) },
  { weight: 2, arbitrary: fc.integer({ min: 16_000, max: 100_000 }) },
);

const readOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('get' as const, 'gets' as const), key }),
  fc.record({ kind: fc.constantFrom('getMany' as const, 'getsMany' as const), keys: fc.array(key, { minLength: 1, maxLength: 4 }) }),
);

const unsureSet: fc.Arbitrary<Op> = fc.record({
  kind: fc.constant('unsureSet' as const),
  key: fc.constantFrom(...UNSURE_KEYS),
  size,
  noreply: fc.boolean(),
});

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: readOp },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom<StoreKind>('set', 'add', 'replace', 'append', 'prepend', 'set'), key, size, noreply: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cas' as const), key, size, noreply: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('counter' as const), key, start: fc.integer({ min: 0, max: 1_000_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('incr' as const), key, delta: fc.integer({ min: 0, max: 1000 }), noreply: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('delete' as const, 'touch' as const), key, noreply: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('setMany' as const), entries: fc.array(fc.record({ key, size }), { minLength: 1, maxLength: 4 }), noreply: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteMany' as const), keys: fc.array(key, { minLength: 1, maxLength: 3 }), noreply: fc.boolean() }) },
);

const trigger = fc.constantFrom<Trigger>('next', 'complete', 'next', 'microtask', 'turn');

function node(depth: number): fc.Arbitrary<ProgramNode> {
  const children = depth === 0 ? fc.constant([]) : fc.array(node(depth - 1), { maxLength: 3 });
  const plain = fc.record({
    type: fc.constant('command' as const),
    op,
    via: fc.constantFrom('subscribe' as const, 'subscribe' as const, 'await' as const),
    cancel: fc.constant(undefined),
    on: trigger,
    children,
  });
  const cancelled = fc.record({
    type: fc.constant('command' as const),
    op: fc.oneof(readOp, unsureSet),
    via: fc.constant('subscribe' as const),
    cancel: fc.constantFrom<CancelAt>('sync', 'microtask', 'turn'),
    on: trigger,
    children,
  });
  const pipe = fc.record({
    type: fc.constant('pipe' as const),
    flatten: fc.constantFrom('concatMap' as const, 'mergeMap' as const),
    ops: fc.array(op, { minLength: 1, maxLength: 5 }),
    on: trigger,
  });
  return fc.oneof({ weight: 6, arbitrary: plain }, { weight: 1, arbitrary: cancelled }, { weight: 2, arbitrary: pipe });
}

/** Bytes of values one program may write: appends must never push an item past memcached's 1 MB. */
export const VALUE_BUDGET = 600_000;

/** Random programs, printed as indented trees when fast-check reports one. */
export const programArbitrary: fc.Arbitrary<Program> = fc
  .record({
    maxPipeline: fc.constantFrom(1, 2, 1000),
    roots: fc.array(fc.record({ start: fc.constantFrom<Root['start']>('now', 'now', 'turn', 'wait'), node: node(3) }), { minLength: 1, maxLength: 8 }),
  })
  .map((program) => withinBudget(program));

/** Shrinks sizes past the budget to 10 bytes, walking the program in a fixed order. */
function withinBudget(program: Program): Program {
  let left = VALUE_BUDGET;
  const shrink = (size: number): number => {
    const bytes = size <= left ? size : Math.min(10, size);
    left -= bytes;
    return bytes;
  };
  const fit = (o: Op): Op => {
    if (o.kind === 'setMany') return { ...o, entries: o.entries.map((e) => ({ key: e.key, size: shrink(e.size) })) };
    return 'size' in o ? { ...o, size: shrink(o.size) } : o;
  };
  const walk = (n: ProgramNode): ProgramNode =>
    n.type === 'pipe' ? { ...n, ops: n.ops.map(fit) } : { ...n, op: fit(n.op), children: n.children.map(walk) };
  const out: Program = { maxPipeline: program.maxPipeline, roots: program.roots.map((r) => ({ start: r.start, node: walk(r.node) })) };
  return Object.assign(out, { [fc.toStringMethod]: () => describeProgram(out) });
}

/** A short text form of one call, e.g. `set a 20000B noreply`. */
export function describeOp(o: Op): string {
  switch (o.kind) {
    case 'get':
    case 'gets':
      return `${o.kind} ${o.key}`;
    case 'getMany':
    case 'getsMany':
      return `${o.kind} [${o.keys.join(',')}]`;
    case 'setMany':
      return `setMany [${o.entries.map((e) => `${e.key} ${e.size}B`).join(', ')}]${o.noreply ? ' noreply' : ''}`;
    case 'deleteMany':
      return `deleteMany [${o.keys.join(',')}]${o.noreply ? ' noreply' : ''}`;
    case 'counter':
      return `set ${o.key} "${o.start}" (counter)`;
    case 'incr':
      return `incr ${o.key} ${o.delta}${o.noreply ? ' noreply' : ''}`;
    case 'delete':
    case 'touch':
      return `${o.kind} ${o.key}${o.noreply ? ' noreply' : ''}`;
    default:
      return `${o.kind} ${o.key} ${o.size}B${o.noreply ? ' noreply' : ''}`;
  }
}

/** The whole program as an indented tree, one call per line. */
export function describeProgram(program: Program): string {
  const lines = [`maxPipeline ${program.maxPipeline}`];
  const walk = (n: ProgramNode, depth: number, lead: string): void => {
    const pad = '  '.repeat(depth);
    if (n.type === 'pipe') {
      lines.push(`${pad}${lead}from([${n.ops.map(describeOp).join('; ')}]).pipe(${n.flatten})`);
      return;
    }
    const cancel = n.cancel === undefined ? '' : ` (unsubscribed ${n.cancel})`;
    lines.push(`${pad}${lead}${n.via === 'await' ? 'await ' : ''}${describeOp(n.op)}${cancel}`);
    for (const child of n.children) walk(child, depth + 1, `on ${child.on}: `);
  };
  for (const root of program.roots) walk(root.node, 0, `[${root.start}] `);
  return lines.join('\n');
}
