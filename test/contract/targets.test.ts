import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TARGETS } from './targets.js';

// Skips are by test name: a renamed test must not leave a skip behind that silently skips nothing.
const dir = join(import.meta.dirname, '.');
const sources = readdirSync(dir)
  .filter((f) => f.endsWith('.contract.test.ts'))
  .map((f) => readFileSync(join(dir, f), 'utf8'));
/** The literal names given to `t.it` (names built with `${…}` are not matched, so they cannot be skipped). */
const names = sources.flatMap((s) => [...s.matchAll(/t\.it\(\s*(['"])((?:(?!\1).)*)\1/g)].map((m) => m[2] as string));

describe('contract targets', () => {
  it('have unique names', () => {
    expect(new Set(TARGETS.map((t) => t.name)).size).toBe(TARGETS.length);
  });

  it('name contract tests that exist, once each, and give a reason for every skip', () => {
    expect(names.length).toBeGreaterThan(20);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    for (const target of TARGETS) {
      for (const [name, reason] of Object.entries(target.skip ?? {})) {
        expect(names, `${target.name} skips a test that does not exist`).toContain(name);
        expect(reason.length, `${target.name}: the reason for skipping "${name}"`).toBeGreaterThan(20);
      }
    }
  });
});
