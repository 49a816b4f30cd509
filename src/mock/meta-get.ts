import type { Item } from './item-table.js';
import type { MetaRequest } from './meta-flags.js';
import { MetaLine, ttlLeft, u32, type MetaAnswer, type MetaContext } from './meta-reply.js';

/**
 * `mg <key> <flags>*` as memcached 1.6.18's process_mget_command runs it (protocol.txt, "Meta Get").
 *
 * The flags act in request order: `T` before `t` reports the new TTL, after it the old one. A miss with
 * `N` links an empty placeholder and wins (`W`); later readers see `Z` while the win is out. `R` wins
 * when the item expires before the given time (the reverse of what 1.6.18's protocol.txt says; the
 * server is right). A stale item (`md … I`) hands out one win even without `N` or `R`. `q` hides only
 * the miss (`EN`): a hit's `HD` comes back.
 */
export function metaGet(context: MetaContext, request: MetaRequest): MetaAnswer {
  const { table, clock, counters } = context;
  const { key } = request;
  // A read whose reply reports the item's state (T N R l h) bumps it after the reply is written.
  let item = request.locked || request.noBump ? table.lookup(key) : lookupBumped(context, key);
  let created = false;
  if (item === undefined && request.vivify !== undefined) {
    item = table.link(key, new Uint8Array(0), 0, 0);
    created = true;
  }
  if (item === undefined) return miss(context, request);
  const line = new MetaLine(request.value ? `VA ${item.value.length}` : 'HD');
  let won = false;
  let touched = false;
  const now = clock.current();
  for (const token of request.tokens) {
    switch (token[0]) {
      case 'T':
        touched = true;
        item.exptime = request.ttl ?? 0;
        break;
      case 'N':
        if (created) {
          item.exptime = request.vivify ?? 0;
          won = true;
        }
        break;
      case 'R':
        if (!item.tokenSent && !created && item.exptime !== 0 && item.exptime < request.recache) won = true;
        break;
      case 's':
        line.flag('s', item.value.length);
        break;
      case 't':
        line.flag('t', ttlLeft(item.exptime, now));
        break;
      case 'c':
        line.flag('c', item.cas);
        break;
      case 'f':
        line.flag('f', item.flags);
        break;
      case 'l':
        line.flag('l', u32(now - item.time));
        break;
      case 'h':
        line.flag('h', item.fetched ? 1 : 0);
        break;
      case 'O':
        line.opaque(token);
        break;
      case 'k':
        line.key(key, item.binaryKey);
        break;
    }
    // memcached leaves the flag walk at a too long opaque: what follows it is not done, nothing is counted.
    if (line.failed) return line.answer();
  }
  // Z before X before W, and never W with Z.
  if (item.tokenSent) line.flag('Z');
  if (item.stale) {
    line.flag('X');
    if (!item.tokenSent) won = true;
  }
  if (won) {
    line.flag('W');
    item.tokenSent = true;
  }
  if (request.locked && !request.noBump) table.bump(item);
  table.hold(item);
  counters[touched ? 'cmd_touch' : 'cmd_get']++;
  counters[touched ? 'touch_hits' : 'get_hits']++;
  return line.answer(request.value ? item.value : undefined);
}

function lookupBumped(context: MetaContext, key: string): Item | undefined {
  const item = context.table.lookup(key);
  if (item !== undefined) context.table.bump(item);
  return item;
}

/** `EN`, echoing `O` and `k` (the key as asked); quiet: nothing. Counted as a get, even with `T`. */
function miss(context: MetaContext, request: MetaRequest): MetaAnswer {
  context.counters.cmd_get++;
  context.counters.get_misses++;
  const line = new MetaLine('EN');
  line.echo(request.tokens, request.key, request.binary);
  if (line.failed) return line.answer();
  return request.quiet ? undefined : line.answer();
}
