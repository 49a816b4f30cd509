import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';

/**
 * Makes marble results comparable with `toEqual`: errors lose their stacks (only `name`, `code` and
 * `message` count), and bytes become latin1 strings so frames and values print readably in diffs.
 */
export function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('latin1');
  if (value instanceof Error) {
    const code = (value as Error & { code?: unknown }).code;
    return { name: value.name, code, message: value.message };
  }
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = normalize(inner);
    return out;
  }
  return value;
}

/** The assertion every marble test uses: deep equality after `normalize`. */
export function observableMatcher(actual: unknown, expected: unknown): void {
  expect(normalize(actual)).toEqual(normalize(expected));
}

/** A TestScheduler whose comparisons ignore error stacks and show bytes as text. */
export function createTestScheduler(): TestScheduler {
  return new TestScheduler(observableMatcher);
}

/** Latin1 bytes, the way memcached replies are written in tests. */
export function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
