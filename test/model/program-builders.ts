import type { CommandNode, Op, PipeNode, PoolKey, Program, ProgramNode, Root, StoreKind, Trigger } from './program.js';

// Short forms for writing a program by hand, as the regression tests do with shrunk counter-examples.

/** A store call: `store('set', 'a', 16384, true)` is `set a 16384B noreply`. */
export function store(kind: StoreKind | 'cas', key: PoolKey, size: number, noreply = false): Op {
  return { kind, key, size, noreply };
}

export function incr(key: PoolKey, delta: number, noreply = false): Op {
  return { kind: 'incr', key, delta, noreply };
}

/** A subscribed call; `children` start from its subscriber (each child says when). */
export function call(op: Op, children: readonly ProgramNode[] = [], on: Trigger = 'next'): CommandNode {
  return { type: 'command', op, via: 'subscribe', cancel: undefined, on, children };
}

export function pipe(flatten: PipeNode['flatten'], ops: readonly Op[], on: Trigger = 'next'): PipeNode {
  return { type: 'pipe', flatten, ops, on };
}

/** Roots all start in the same tick. */
export function program(maxPipeline: number, ...nodes: ProgramNode[]): Program {
  return { maxPipeline, roots: nodes.map((node): Root => ({ start: 'now', node })) };
}
