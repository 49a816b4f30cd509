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

type Draft = { -readonly [K in keyof MetaRequest]: MetaRequest[K] };

/** What one flag did: fine, a fault noted (its message, or none of its own), or a fault that stops reading. */
type FlagOutcome = undefined | { readonly noted: string | undefined } | { readonly stop: string };

const BAD_TOKEN = 'CLIENT_ERROR bad token in command line format';

/**
 * Reads the flags of `tokens` from `start` on (the key is `tokens[1]`). A duplicate or unknown flag stops
 * at once; other faults are noted and reading goes on, the last one's message winning (`F` has none, so
 * the command's default stands: `defaultError`).
 */
export function parseMetaFlags(tokens: readonly string[], start: number, clock: MemcachedClock, defaultError: string): MetaRequest | MetaFlagError {
  const draft: Draft = {
    key: tokens[1] ?? '', binary: false, tokens: tokens.slice(start), quiet: false, value: false, noBump: false, locked: false,
    vivify: undefined, ttl: undefined, recache: 0, invalidate: false, cas: undefined, mode: undefined, clientFlags: 0, delta: 1n, initial: 0n,
  };
  const seen = new Set<number>();
  let fault: { line: string | undefined } | undefined;
  for (const token of draft.tokens) {
    const flag = token.charCodeAt(0);
    if (flag >= 127 || seen.has(flag)) return new MetaFlagError('CLIENT_ERROR duplicate flag');
    seen.add(flag);
    const outcome = applyFlag(draft, token, clock);
    if (outcome === undefined) continue;
    if ('stop' in outcome) return new MetaFlagError(outcome.stop);
    fault = { line: outcome.noted ?? fault?.line };
  }
  return fault === undefined ? draft : new MetaFlagError(fault.line ?? defaultError);
}

/** One flag into the draft, as `_meta_flag_preparse`'s switch does it. */
function applyFlag(draft: Draft, token: string, clock: MemcachedClock): FlagOutcome {
  switch (token[0]) {
    case 'b': {
      const decoded = decodeKey(draft.key);
      draft.key = decoded ?? '';
      draft.binary = true;
      return decoded === undefined ? { noted: 'CLIENT_ERROR error decoding key' } : undefined;
    }
    case 'N': case 'T': case 'R':
      // These (and l, h) need the item's state before the read's LRU bump: memcached's `locked`.
      draft.locked = true;
      return timeFlag(draft, token, clock);
    case 'l': case 'h':
      draft.locked = true;
      return undefined;
    case 'O': case 'P': case 'L': case 'k': case 's': case 't': case 'c': case 'f':
      return undefined;
    case 'v': draft.value = true; return undefined;
    case 'u': draft.noBump = true; return undefined;
    case 'q': draft.quiet = true; return undefined;
    case 'I': draft.invalidate = true; return undefined;
    case 'M':
      if (token.length !== 2) return { noted: 'CLIENT_ERROR incorrect length for M token' };
      draft.mode = token[1];
      return undefined;
    case 'F': case 'C': case 'J': case 'D':
      return numberFlag(draft, token);
    default:
      return { stop: 'CLIENT_ERROR invalid flag' };
  }
}

/** `N`, `T`, `R`: a signed 32-bit number of seconds, made an exptime by memcached's `realtime()`. */
function timeFlag(draft: Draft, token: string, clock: MemcachedClock): FlagOutcome {
  const seconds = parseI32(token.slice(1));
  if (seconds === undefined) return { noted: BAD_TOKEN };
  const exptime = clock.realtime(seconds);
  if (token[0] === 'N') draft.vivify = exptime;
  else if (token[0] === 'T') draft.ttl = exptime;
  else draft.recache = exptime;
  return undefined;
}

/** `F` (u32 client flags), `C` (cas), `J` and `D` (ma's initial value and delta): unsigned numbers. */
function numberFlag(draft: Draft, token: string): FlagOutcome {
  if (token[0] === 'F') {
    const flags = parseU32(token.slice(1));
    if (flags === undefined) return { noted: undefined };
    draft.clientFlags = flags;
    return undefined;
  }
  const number = parseU64(token.slice(1));
  if (number === undefined) {
    return { noted: token[0] === 'C' ? BAD_TOKEN : token[0] === 'J' ? 'CLIENT_ERROR invalid numeric initial value' : 'CLIENT_ERROR invalid numeric delta value' };
  }
  if (token[0] === 'C') draft.cas = number;
  else if (token[0] === 'J') draft.initial = number;
  else draft.delta = number;
  return undefined;
}
