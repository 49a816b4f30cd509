import { decodeKey } from './base64-key.js';
import type { MemcachedClock } from './memcached-clock.js';
import { parseI32, parseU32, parseU64 } from './text-numbers.js';

// The request flags of the meta commands, read as memcached 1.6.18's `_meta_flag_preparse` reads them:
// one token per flag, known by its first character, each at most once, numbers parsed as the text
// commands parse theirs. The return flags are written later, in request order, by each command.

/** memcached's `MFLAG_MAX_OPAQUE_LENGTH`: a longer `O` token is refused when the reply is written. */
export const MAX_OPAQUE_LENGTH = 32;

/** A request's flags, decoded. Times are memcached relative seconds (0 = never), as `realtime()` makes them. */
export interface MetaRequest {
  /** The key: the token, or (with `b`) the bytes it decodes to, latin1. */
  readonly key: string;
  /** `b`: the key came as base64. */
  readonly binary: boolean;
  /** The flag tokens in request order, for the return flags (a token's first char is its flag). */
  readonly tokens: readonly string[];
  readonly quiet: boolean;
  /** `v`: the value comes back. */
  readonly value: boolean;
  /** `u`: no LRU bump. */
  readonly noBump: boolean;
  /** memcached's `locked`: some flag (T N R l h) needs the item's state before the read bumps it. */
  readonly locked: boolean;
  /** `N`: vivify on a miss, with this exptime. */
  readonly vivify: number | undefined;
  /** `T`: the new exptime. */
  readonly ttl: number | undefined;
  /** `R`: win a recache when the item expires before this time. */
  readonly recache: number;
  /** `I`: invalidate (md) or store stale (ms). */
  readonly invalidate: boolean;
  /** `C`: compare with this cas unique. */
  readonly cas: bigint | undefined;
  /** `M`: the mode character. */
  readonly mode: string | undefined;
  /** `F`: client flags (0 if not given). */
  readonly clientFlags: number;
  /** `D`: ma's delta (default 1). */
  readonly delta: bigint;
  /** `J`: ma's initial value (default 0). */
  readonly initial: bigint;
}

/** A request the preparse refused: memcached's error line for it. */
export class MetaFlagError {
  constructor(readonly line: string) {}
}

/**
 * Reads the flags of `tokens` from `start` on (the key is `tokens[1]`). A duplicate or unknown flag stops
 * at once; other errors are noted and reading goes on, the last one's message winning (`F` has none, so
 * the command's default stands: `defaultError`).
 */
export function parseMetaFlags(tokens: readonly string[], start: number, clock: MemcachedClock, defaultError: string): MetaRequest | MetaFlagError {
  let error: string | undefined;
  let failed = false;
  const fail = (line?: string): void => {
    failed = true;
    if (line !== undefined) error = line;
  };
  const seen = new Set<number>();
  const time = (token: string): number | undefined => {
    const value = parseI32(token.slice(1));
    if (value === undefined) fail('CLIENT_ERROR bad token in command line format');
    return value === undefined ? undefined : clock.realtime(value);
  };
  let key = tokens[1] ?? '';
  const request = { key, binary: false, tokens: tokens.slice(start), quiet: false, value: false, noBump: false, locked: false, vivify: undefined as number | undefined, ttl: undefined as number | undefined, recache: 0, invalidate: false, cas: undefined as bigint | undefined, mode: undefined as string | undefined, clientFlags: 0, delta: 1n, initial: 0n };
  for (const token of request.tokens) {
    const flag = token.charCodeAt(0);
    if (flag >= 127 || seen.has(flag)) return new MetaFlagError('CLIENT_ERROR duplicate flag');
    seen.add(flag);
    switch (token[0]) {
      case 'b': {
        const decoded = decodeKey(key);
        if (decoded === undefined) fail('CLIENT_ERROR error decoding key');
        key = decoded ?? '';
        request.binary = true;
        break;
      }
      case 'N':
        request.locked = true;
        request.vivify = time(token) ?? 0;
        break;
      case 'T':
        request.locked = true;
        request.ttl = time(token);
        break;
      case 'R':
        request.locked = true;
        request.recache = time(token) ?? 0;
        break;
      case 'l':
      case 'h':
        request.locked = true; // the reply reports the state before this read's bump
        break;
      case 'O': case 'P': case 'L': case 'k': case 's': case 't': case 'c': case 'f':
        break;
      case 'v':
        request.value = true;
        break;
      case 'u':
        request.noBump = true;
        break;
      case 'q':
        request.quiet = true;
        break;
      case 'I':
        request.invalidate = true;
        break;
      case 'F': {
        const flags = parseU32(token.slice(1));
        if (flags === undefined) fail();
        request.clientFlags = flags ?? 0;
        break;
      }
      case 'C': {
        const cas = parseU64(token.slice(1));
        if (cas === undefined) fail('CLIENT_ERROR bad token in command line format');
        request.cas = cas;
        break;
      }
      case 'M':
        if (token.length !== 2) fail('CLIENT_ERROR incorrect length for M token');
        else request.mode = token[1];
        break;
      case 'J':
      case 'D': {
        const number = parseU64(token.slice(1));
        if (number === undefined) fail(token[0] === 'J' ? 'CLIENT_ERROR invalid numeric initial value' : 'CLIENT_ERROR invalid numeric delta value');
        else if (token[0] === 'J') request.initial = number;
        else request.delta = number;
        break;
      }
      default:
        return new MetaFlagError('CLIENT_ERROR invalid flag');
    }
  }
  if (failed) return new MetaFlagError(error ?? defaultError);
  return { ...request, key };
}
