import type { StatValue } from './readers.js';

/** Stats that stay text even when they look numeric (pymemcache keeps these as bytes). */
const TEXT_STATS = new Set(['version', 'inter', 'stat_key_prefix', 'libevent']);
/** Stats reported as seconds with a `:` or `.` fraction. */
const FLOAT_STATS = new Set(['rusage_user', 'rusage_system', 'growth_factor']);
/** 0/1 (or yes/no) settings that mean off/on. */
const BOOL_STATS = new Set([
  'hash_is_expanding',
  'slab_reassign_running',
  'detail_enabled',
  'cas_enabled',
  'maxconns_fast',
  'slab_reassign',
  'slab_automove',
  'auth_enabled_sasl',
]);

/**
 * Converts one stat the way pymemcache does: integers to numbers (bigint beyond 2^53), `rusage_*` and
 * `growth_factor` to floats, `umask` from octal, on/off settings (and any yes/no value) to booleans,
 * everything else kept as text.
 */
export function convertStat(name: string, value: string): StatValue {
  if (TEXT_STATS.has(name)) return value;
  if (FLOAT_STATS.has(name)) {
    if (value.trim() === '') return value;
    const parsed = Number(value.replace(':', '.'));
    return Number.isNaN(parsed) ? value : parsed;
  }
  if (name === 'umask' && /^[0-7]+$/.test(value)) return parseInt(value, 8);
  if (value === 'yes' || value === 'on') return true;
  if (value === 'no' || value === 'off') return false;
  if (/^-?[0-9]+$/.test(value)) {
    const big = BigInt(value);
    const asNumber = Number(value);
    if (BOOL_STATS.has(name)) return big !== 0n;
    return Number.isSafeInteger(asNumber) ? asNumber : big;
  }
  return value;
}

/** Builds the stats object from reply pairs. */
export function statsObject(pairs: ReadonlyArray<readonly [string, string]>): Record<string, StatValue> {
  const out: Record<string, StatValue> = {};
  for (const [name, value] of pairs) out[name] = convertStat(name, value);
  return out;
}
