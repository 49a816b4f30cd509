// How the model tests print what a call got, in one line.

/** What a call got: nothing yet, a value (a miss is a value), or an error. */
export type Outcome = { readonly kind: 'pending' } | { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'error'; readonly error: unknown };

/** An outcome in a line. */
export function describeOutcome(outcome: Outcome): string {
  if (outcome.kind === 'pending') return 'nothing';
  if (outcome.kind === 'value') return brief(outcome.value);
  const e = outcome.error;
  return e instanceof Error ? `${e.name}: ${e.message}` : `a thrown ${typeof e}`;
}

/** Values in a line: long strings as their first characters and length; maps and bigints spelled out. */
export function brief(value: unknown): string {
  if (typeof value === 'string') return value.length > 24 ? JSON.stringify(`${value.slice(0, 16)}…`) + ` (${value.length} chars)` : JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Map) return `Map{${[...value].map(([k, v]) => `${String(k)}: ${brief(v)}`).join(', ')}}`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${k}: ${brief(v)}`).join(', ')}}`;
  }
  return String(value);
}
