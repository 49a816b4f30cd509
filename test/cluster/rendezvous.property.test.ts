import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Ring, RingNode } from '../../src/cluster/hasher.js';
import { rendezvousHasher } from '../../src/cluster/rendezvous.js';

const node = (name: string): RingNode => ({ name, host: undefined, port: undefined, weight: 1 });
const build = (names: readonly string[], seed = 0): Ring => rendezvousHasher({ seed })(names.map(node));

const names = fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 24 }), { minLength: 2, maxLength: 12 });
const key = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.uint8Array({ maxLength: 40 }));
const keys = fc.array(key, { minLength: 1, maxLength: 50 });
const seed = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffffffff }));

/**
 * Names whose pymemcache byte views (code point & 0xff) differ: names that share one tie on every
 * key (e.g. 'é' and 'ǩ'), so one of them never owns anything and the ≈1/N share cannot hold.
 */
const distinctByBytes = (list: readonly string[]): boolean =>
  new Set(list.map((n) => Array.from(n, (c) => c.codePointAt(0)! & 0xff).join(','))).size === list.length;
const spreadNames = fc.uniqueArray(fc.string({ maxLength: 16 }), { minLength: 2, maxLength: 12 }).filter(distinctByBytes);

/** Deterministic spread keys per run: the fraction test needs many keys, not clever ones. */
const manyKeys = (salt: string): string[] => Array.from({ length: 2000 }, (_, i) => `${salt}:${i}`);

describe('rendezvousHasher properties', () => {
  it('the ring is a function of the live set: rebuilt or shuffled, same answers', () => {
    fc.assert(
      fc.property(names, keys, seed, fc.infiniteStream(fc.nat()), (list, ks, s, rand) => {
        const shuffled = [...list];
        // Fisher–Yates driven by fast-check, so a failing order shrinks and replays.
        const draws = rand[Symbol.iterator]();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (draws.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const a = build(list, s);
        const b = build(list, s);
        const c = build(shuffled, s);
        for (const k of ks) {
          const owner = a.nodeFor(k);
          expect(b.nodeFor(k)).toBe(owner);
          expect(c.nodeFor(k)).toBe(owner);
        }
      }),
    );
  });

  it('every key maps to one of the nodes', () => {
    fc.assert(
      fc.property(names, keys, seed, (list, ks, s) => {
        const ring = build(list, s);
        for (const k of ks) expect(list).toContain(ring.nodeFor(k));
      }),
    );
  });

  it('removing a node moves only the keys it owned', () => {
    fc.assert(
      fc.property(names, keys, fc.nat(), (list, ks, pick) => {
        const gone = list[pick % list.length]!;
        const before = build(list);
        const after = build(list.filter((n) => n !== gone));
        for (const k of ks) {
          const was = before.nodeFor(k);
          if (was === gone) expect(after.nodeFor(k)).not.toBe(gone);
          else expect(after.nodeFor(k)).toBe(was);
        }
      }),
    );
  });

  it('adding a node moves only keys onto the new node', () => {
    fc.assert(
      fc.property(names, fc.string({ unit: 'binary', maxLength: 24 }), keys, (list, extra, ks) => {
        fc.pre(!list.includes(extra));
        const before = build(list);
        const after = build([...list, extra]);
        for (const k of ks) {
          const now = after.nodeFor(k);
          if (now !== before.nodeFor(k)) expect(now).toBe(extra);
        }
      }),
    );
  });

  it('removing one of N nodes (or adding the N-th) moves ≈ 1/N of 2000 keys', () => {
    fc.assert(
      fc.property(spreadNames, fc.nat(), fc.string({ maxLength: 8 }), (list, pick, salt) => {
        const ks = manyKeys(salt);
        const n = list.length;
        const full = build(list);
        const without = build(list.filter((_, i) => i !== pick % n));
        const movedOut = ks.filter((k) => full.nodeFor(k) !== without.nodeFor(k)).length / ks.length;
        // Adding is the same change seen from the other side: n - 1 nodes → n nodes.
        expect(movedOut).toBeGreaterThan(0.4 / n);
        expect(movedOut).toBeLessThan(2 / n);
      }),
      { numRuns: 60 },
    );
  });
});
