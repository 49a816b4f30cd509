import { itemSize } from './item-size.js';
import type { Item } from './item-table.js';
import type { MetaRequest } from './meta-flags.js';
import { MetaLine, type MetaAnswer, type MetaContext } from './meta-reply.js';

/** What `ms` does, by its `M` mode (protocol.txt, "Meta Set"); a cas (`C`) makes set and replace a cas. */
type StoreMode = 'set' | 'add' | 'append' | 'prepend' | 'replace' | 'cas';

const MODES: Readonly<Record<string, StoreMode>> = { E: 'add', A: 'append', P: 'prepend', R: 'replace', S: 'set' };

/** The `ms` mode, or undefined for a letter memcached refuses ("invalid mode for ms M token"). */
export function storeMode(request: MetaRequest): StoreMode | undefined {
  const mode = request.mode === undefined ? 'set' : MODES[request.mode];
  if (mode === undefined) return undefined;
  return request.cas !== undefined && (mode === 'set' || mode === 'replace') ? 'cas' : mode;
}

/**
 * Whether the item fits memcached's `-I`. One that does not is refused before its data is read, and
 * whatever the key held is unlinked, in every mode (memcached 1.6.18: "Avoid stale data persisting").
 */
export function admitted(context: MetaContext, request: MetaRequest, length: number): boolean {
  if (itemSize(request.key.length, length, request.clientFlags) <= context.itemSizeMax) return true;
  if (context.table.lookup(request.key) !== undefined) context.table.unlink(request.key);
  return false;
}

/**
 * `ms` once its data block is read: memcached's do_store_item with the meta extras. A cas compares in
 * every mode that has an item to compare (append and prepend refuse a mismatch with `EX`); with `I`, a
 * cas older than the item's still stores, keeping the item's expiry and marks and staying stale.
 * `HD` is hidden by `q`; the reply echoes `O`, `k` and (`c`) the new cas, 0 when nothing was stored.
 */
export function metaSet(context: MetaContext, request: MetaRequest, mode: StoreMode, data: Uint8Array): MetaAnswer {
  context.counters.cmd_set++;
  const { status, cas } = store(context, request, mode, Uint8Array.from(data));
  const line = new MetaLine(status);
  for (const token of request.tokens) {
    if (token[0] === 'O') line.opaque(token);
    else if (token[0] === 'k') line.key(request.key, request.binary);
    else if (token[0] === 'c') line.flag('c', cas);
  }
  return status === 'HD' && request.quiet ? undefined : line.answer();
}

function store(context: MetaContext, request: MetaRequest, mode: StoreMode, value: Uint8Array): { status: 'HD' | 'NS' | 'EX' | 'NF'; cas: bigint } {
  const { table, counters } = context;
  const { key } = request;
  const old = table.lookup(key);
  const link = (bytes: Uint8Array, flags: number, exptime: number, binaryKey = request.binary): { status: 'HD'; cas: bigint } => {
    const item = table.link(key, bytes, flags, exptime);
    item.binaryKey = binaryKey;
    return { status: 'HD', cas: item.cas };
  };
  const exptime = request.ttl ?? 0;
  if (old === undefined) {
    if (mode === 'cas') counters.cas_misses++;
    if (mode === 'set' || mode === 'add') return link(value, request.clientFlags, exptime);
    return { status: mode === 'cas' ? 'NF' : 'NS', cas: 0n };
  }
  const compared = compare(request, old);
  switch (mode) {
    case 'add':
      table.update(old);
      return { status: 'NS', cas: 0n };
    case 'cas':
      if (compared === 'match') {
        counters.cas_hits++;
        return link(value, request.clientFlags, exptime);
      }
      if (compared === 'stale') {
        counters.cas_hits++;
        return linkStale(context, request, old, value);
      }
      counters.cas_badval++;
      return { status: 'EX', cas: 0n };
    case 'append':
    case 'prepend': {
      if (compared !== 'none' && compared !== 'match') return { status: 'EX', cas: 0n };
      if (itemSize(key.length, old.value.length + value.length, old.flags) > context.itemSizeMax) return { status: 'NS', cas: 0n };
      // The joined item is a new one: it keeps the old flags and expiry, and no binary-key mark.
      return link(mode === 'append' ? joined(old.value, value) : joined(value, old.value), old.flags, old.exptime, false);
    }
    default:
      return link(value, request.clientFlags, exptime);
  }
}

/** memcached's cas_res: no cas given, the same, older with `I` (a stale write), or different. */
function compare(request: MetaRequest, old: Item): 'none' | 'match' | 'stale' | 'mismatch' {
  const cas = request.cas ?? 0n;
  if (cas === 0n) return 'none';
  if (cas === old.cas) return 'match';
  return request.invalidate && cas < old.cas ? 'stale' : 'mismatch';
}

/** A write over a newer cas with `I`: stored, but stale, with the item's expiry and won-token mark. */
function linkStale(context: MetaContext, request: MetaRequest, old: Item, value: Uint8Array): { status: 'HD'; cas: bigint } {
  const item = context.table.link(request.key, value, request.clientFlags, old.exptime);
  item.binaryKey = request.binary;
  item.stale = true;
  item.tokenSent = old.tokenSent;
  return { status: 'HD', cas: item.cas };
}

function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
