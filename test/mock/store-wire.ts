import { MemcacheClientError, MemcacheServerError } from '../../src/errors.js';
import type { MemoryStore, StoreHit } from '../../src/mock/memory-store.js';

// One operation of the differential test, as a wire request for memcached and as a call on the
// in-memory store, with the store's answer rendered in the server's reply syntax.

/** The operations the differential test draws. */
export type StoreOp =
  | { readonly kind: 'get' | 'gets'; readonly keys: readonly string[] }
  | { readonly kind: 'gat' | 'gats'; readonly exptime: number; readonly keys: readonly string[] }
  | { readonly kind: 'set' | 'add' | 'replace' | 'append' | 'prepend'; readonly key: string; readonly value: Uint8Array; readonly flags: number; readonly exptime: number }
  | { readonly kind: 'cas'; readonly key: string; readonly value: Uint8Array; readonly flags: number; readonly exptime: number; readonly unique: CasPick }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'incr' | 'decr'; readonly key: string; readonly delta: bigint }
  | { readonly kind: 'touch'; readonly key: string; readonly exptime: number }
  | { readonly kind: 'flush_all'; readonly delay: number };

/** Which cas unique to send: the last one a gets showed for a key, or a small store-side number. */
export type CasPick = { readonly from: 'seen' } | { readonly from: 'number'; readonly n: bigint };

/** The wire request for memcached; `unique` is the cas unique already shifted to the server's counter. */
export function wireRequest(op: StoreOp, unique: bigint | undefined): { line: string; data?: Uint8Array } {
  switch (op.kind) {
    case 'get':
    case 'gets':
      return { line: `${op.kind} ${op.keys.join(' ')}` };
    case 'gat':
    case 'gats':
      return { line: `${op.kind} ${op.exptime} ${op.keys.join(' ')}` };
    case 'cas':
      return { line: `cas ${op.key} ${op.flags} ${op.exptime} ${op.value.length} ${String(unique)}`, data: op.value };
    case 'delete':
      return { line: `delete ${op.key}` };
    case 'incr':
    case 'decr':
      return { line: `${op.kind} ${op.key} ${op.delta}` };
    case 'touch':
      return { line: `touch ${op.key} ${op.exptime}` };
    case 'flush_all':
      return { line: `flush_all ${op.delay}` };
    default:
      return { line: `${op.kind} ${op.key} ${op.flags} ${op.exptime} ${op.value.length}`, data: op.value };
  }
}

/** Runs `op` on the store and renders its answer as memcached would send it (cas shown shifted by `casBase`). */
export function storeReply(store: MemoryStore, op: StoreOp, unique: bigint | undefined, casBase: bigint): string {
  try {
    return `${answer(store, op, unique, casBase)}\r\n`;
  } catch (error) {
    if (error instanceof MemcacheServerError) return `SERVER_ERROR ${error.message}\r\n`;
    if (error instanceof MemcacheClientError) return `CLIENT_ERROR ${error.message}\r\n`;
    throw error;
  }
}

function answer(store: MemoryStore, op: StoreOp, unique: bigint | undefined, casBase: bigint): string {
  switch (op.kind) {
    case 'get':
    case 'gets':
      return values(store.get(op.keys), op.kind === 'gets', casBase);
    case 'gat':
    case 'gats':
      return values(store.gat(op.exptime, op.keys), op.kind === 'gats', casBase);
    case 'cas':
      return store.cas(op.key, op.value, op.flags, op.exptime, unique ?? 0n);
    case 'delete':
      return store.delete(op.key);
    case 'incr':
    case 'decr':
      return String(store.incr(op.key, op.delta, op.kind === 'incr'));
    case 'touch':
      return store.touch(op.key, op.exptime);
    case 'flush_all':
      store.flushAll(op.delay);
      return 'OK';
    default:
      return store.store(op.kind, op.key, op.value, op.flags, op.exptime);
  }
}

function values(hits: readonly StoreHit[], withCas: boolean, casBase: bigint): string {
  const blocks = hits.map((hit) => {
    const cas = withCas ? ` ${hit.cas + casBase}` : '';
    return `VALUE ${hit.key} ${hit.flags} ${hit.value.length}${cas}\r\n${Buffer.from(hit.value).toString('latin1')}\r\n`;
  });
  return `${blocks.join('')}END`;
}
