import type { StatValue } from '../index.js';

/** A stat as a plain number (bigints beyond 2^53 lose precision, which a display can afford), or undefined. */
export function num(value: StatValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/**
 * Bytes in binary units as top(1) shows them: `512B`, `1.5K`, `64.0M`, `2.00G`.
 *
 * @example
 * ```ts
 * bytes(67108864); // '64.0M'
 * ```
 */
export function bytes(value: number): string {
  if (value < 1024) return `${Math.round(value)}B`;
  const units = ['K', 'M', 'G', 'T'];
  let scaled = value / 1024;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${scaled.toFixed(scaled < 10 ? 2 : scaled < 100 ? 1 : 0)}${units[unit] ?? ''}`;
}

/**
 * A duration in the two largest units: `0s`, `42s`, `3m04s`, `2h05m`, `3d04h`.
 *
 * @example
 * ```ts
 * duration(184_000); // '3m04s'
 * ```
 */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const two = (n: number): string => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${two(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d${two(Math.floor(s / 3600) % 24)}h`;
}

/**
 * A count or rate, short: `0`, `950`, `12.3k`, `4.56M`.
 *
 * @example
 * ```ts
 * count(12_345); // '12.3k'
 * ```
 */
export function count(value: number): string {
  if (value < 1000) return value < 10 && !Number.isInteger(value) ? value.toFixed(1) : String(Math.round(value));
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)}k`;
  return `${(value / 1_000_000).toFixed(value < 10_000_000 ? 2 : 1)}M`;
}

/** A ratio as a percentage with one decimal: `97.5%`. */
export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** What a cell shows when there is nothing to show (no answer yet, or a counter reset). */
export const NONE = '-';
