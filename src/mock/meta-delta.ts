import { applyDelta, readCounter } from './counter-value.js';
import { itemSize, SLAB_CHUNK_MAX } from './item-size.js';
import type { Item } from './item-table.js';
import { MAX_OPAQUE_LENGTH, type MetaRequest } from './meta-flags.js';
import { MetaLine, ttlLeft, type MetaAnswer, type MetaContext } from './meta-reply.js';

// `md` and `ma` as memcached 1.6.18's process_mdelete_command and process_marithmetic_command run them
// (protocol.txt, "Meta Delete", "Meta Arithmetic"). `q` hides only their success.

const NON_NUMERIC = 'CLIENT_ERROR cannot increment or decrement non-numeric value';

/**
 * `md`: deletes, or with `I` marks the item stale (a new cas; `T` sets its expiry; the next reader
 * wins). A cas (`C`, even `C0`) that does not match answers `EX` and counts as a delete miss. The opaque
 * is checked before anything is done.
 */
export function metaDelete(context: MetaContext, request: MetaRequest): MetaAnswer {
  if (request.tokens.some((token) => token[0] === 'O' && token.length > MAX_OPAQUE_LENGTH)) return { line: 'CLIENT_ERROR opaque token too long' };
  const { table, counters } = context;
  const item = table.lookup(request.key);
  let status: 'HD' | 'NF' | 'EX';
  if (item === undefined) {
    counters.delete_misses++;
    status = 'NF';
  } else if (request.cas !== undefined && item.cas !== request.cas) {
    counters.delete_misses++;
    status = 'EX';
  } else if (request.invalidate) {
    if (request.ttl !== undefined) item.exptime = request.ttl;
    item.stale = true;
    item.tokenSent = false;
    item.cas = table.nextCas();
    status = 'HD';
  } else {
    table.unlink(request.key);
    counters.delete_hits++;
    status = 'HD';
  }
  if (status === 'HD' && request.quiet) return undefined;
  const line = new MetaLine(status);
  line.echo(request.tokens, request.key, request.binary);
  return line.answer();
}

/**
 * `ma`: incr (`MI`, `M+`, the default) or decr (`MD`, `M-`) by `D` (default 1), as `incr`/`decr` count.
 * A miss with `N` creates the counter at `J` (answered even when quiet); without, `NF`. A cas (`C`, not
 * `C0`) that does not match answers `EX`. The return flags (`t`, `c`, `T`, `N`, `O`, `k`) act in request
 * order once the value has changed; when the new value did not fit the old item, memcached has already
 * linked a new one, so a `T` then changes only the old copy, and is lost.
 */
export function metaArithmetic(context: MetaContext, request: MetaRequest): MetaAnswer {
  const incr = request.mode === undefined || request.mode === 'I' || request.mode === '+';
  if (!incr && request.mode !== 'D' && request.mode !== '-') return { line: 'CLIENT_ERROR invalid mode for ma M token' };
  const { table, counters } = context;
  const old = table.lookup(request.key);
  if (old === undefined && request.vivify === undefined) {
    counters[incr ? 'incr_misses' : 'decr_misses']++;
    return failure('NF', request);
  }
  let outcome: { item: Item; digits: string; created: boolean };
  if (old === undefined) {
    const digits = request.initial.toString();
    outcome = { item: table.link(request.key, Buffer.from(digits, 'latin1'), 0, 0), digits, created: true };
  } else {
    // memcached's do_add_delta: too short or too large to be a number, then the cas, then the number.
    if (old.value.length === 0 || itemSize(request.key.length, old.value.length, old.flags) > SLAB_CHUNK_MAX) return { line: NON_NUMERIC };
    if (request.cas !== undefined && request.cas !== 0n && request.cas !== old.cas) return failure('EX', request);
    const current = readCounter(old.value);
    if (current === undefined) return { line: NON_NUMERIC };
    counters[incr ? 'incr_hits' : 'decr_hits']++;
    const result = applyDelta(current, request.delta, incr);
    outcome = { item: rewrite(context, request.key, old, result), digits: result.toString(), created: false };
  }
  const { item, digits, created } = outcome;
  const line = new MetaLine(request.value ? `VA ${digits.length}` : 'HD');
  const now = context.clock.current();
  for (const token of request.tokens) {
    if (token[0] === 'c') line.flag('c', item.cas);
    else if (token[0] === 't') line.flag('t', ttlLeft(item.exptime, now));
    else if (token[0] === 'T') item.exptime = request.ttl ?? 0;
    else if (token[0] === 'N' && created) item.exptime = request.vivify ?? 0;
    else if (token[0] === 'O') line.opaque(token);
    else if (token[0] === 'k') line.key(request.key, request.binary);
    if (line.failed) return line.answer();
  }
  if (request.quiet && !created) return undefined;
  return line.answer(request.value ? Buffer.from(digits, 'latin1') : undefined);
}

/**
 * The new value stored (see `ItemTable.setCounter`); either way the item the reply then reads is the
 * old one, which memcached gives the key's new cas.
 */
function rewrite(context: MetaContext, key: string, old: Item, result: bigint): Item {
  old.cas = context.table.setCounter(key, old, result);
  return old;
}

/** A status without an item (`NF`, `EX`): it still echoes `O` and `k`, quiet or not. */
function failure(status: 'NF' | 'EX', request: MetaRequest): MetaAnswer {
  const line = new MetaLine(status);
  line.echo(request.tokens, request.key, request.binary);
  return line.answer();
}
