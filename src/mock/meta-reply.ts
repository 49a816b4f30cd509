import { encodeKey } from './base64-key.js';
import type { ItemTable } from './item-table.js';
import type { MemcachedClock } from './memcached-clock.js';
import { MAX_OPAQUE_LENGTH } from './meta-flags.js';
import type { StoreStats } from './store-stats.js';

/** What the meta commands work on: the store's table, clock, counters and size limit. */
export interface MetaContext {
  readonly table: ItemTable;
  readonly clock: MemcachedClock;
  readonly counters: StoreStats;
  readonly itemSizeMax: number;
}

/** A meta command's answer: a line, and the value block after it (`VA`); undefined when quiet hides it. */
export type MetaAnswer = { readonly line: string; readonly data?: Uint8Array } | undefined;

/**
 * A meta reply line as memcached builds it: the status, then return flags appended in the order the
 * request gave them. Writing an `O` token longer than 32 bytes fails the whole reply (memcached checks
 * it only here, after the command has done its work).
 */
export class MetaLine {
  private text: string;
  /** Set when an opaque token was too long: the reply is this error instead. */
  private refused = false;

  constructor(status: string) {
    this.text = status;
  }

  /** ` <letter><value>`. */
  flag(letter: string, value: string | number | bigint = ''): void {
    this.text += ` ${letter}${value}`;
  }

  /** The opaque token, echoed whole (its `O` included). */
  opaque(token: string): void {
    if (token.length > MAX_OPAQUE_LENGTH) this.refused = true;
    else this.text += ` ${token}`;
  }

  /** `k<key>`, or `k<base64> b` for a binary key (memcached's META_KEY). */
  key(key: string, binary: boolean): void {
    this.text += binary ? ` k${encodeKey(key)} b` : ` k${key}`;
  }

  /** Echoes `O` and `k`, what every reply carries, misses and failures included. */
  echo(tokens: readonly string[], key: string, binary: boolean): void {
    for (const token of tokens) {
      if (token[0] === 'O') this.opaque(token);
      else if (token[0] === 'k') this.key(key, binary);
    }
  }

  /** Whether an opaque token was too long. */
  get failed(): boolean {
    return this.refused;
  }

  /** The answer: this line (with `data` after it), or the error for a too long opaque token. */
  answer(data?: Uint8Array): NonNullable<MetaAnswer> {
    if (this.refused) return { line: 'CLIENT_ERROR opaque token too long' };
    return data === undefined ? { line: this.text } : { line: this.text, data };
  }
}

/** memcached's itoa_u32 of a relative time difference: a negative one wraps (an item set to expire "long ago"). */
export function u32(value: number): number {
  return value >>> 0;
}

/** The `t` flag's value: seconds left, or -1 for an item that never expires. */
export function ttlLeft(exptime: number, now: number): string {
  return exptime === 0 ? '-1' : String(u32(exptime - now));
}
