import fc from 'fast-check';
import type { CasPick, StoreOp } from './store-wire.js';

// Random operations for the differential test. Time cannot be waited for against a real server, so
// every exptime and flush delay is either long past or far in the future (expiry timing has its own
// virtual-clock unit tests).

/** A few keys, so operations collide; one at the 250-byte limit. */
export const DIFF_KEYS = ['a', 'b', 'c', 'k'.repeat(250)] as const;

const nowSeconds = Math.floor(Date.now() / 1000);
/** Exptimes: never, already expired (negative, Unix times past), alive (relative, Unix times ahead, int32 max). */
export const EXPTIMES = [0, -1, -2_147_483_648, 1_000, 2_592_000, 2_592_001, 1_000_000_000, nowSeconds - 100, nowSeconds + 1_000_000, 2_147_483_647] as const;
/** Flush delays with no timing inside a run: now, a past Unix time (cancels), far ahead. */
const FLUSH_DELAYS = [0, 0, 1_000_000_000, 2_000_000, nowSeconds + 1_000_000] as const;

const key = fc.constantFrom(...DIFF_KEYS);
const keys = fc.array(key, { minLength: 1, maxLength: 4 });
const exptime = fc.constantFrom(...EXPTIMES);
const flags = fc.oneof(fc.constant(0), fc.constantFrom(1, 16, 0xffffffff), fc.nat());

const latin1 = (text: string): Uint8Array => Buffer.from(text, 'latin1');

/** Values incr/decr may or may not read as numbers: strtoull's edges (whitespace, signs, NUL, overflow). */
const numberish = fc
  .tuple(
    fc.constantFrom('', ' ', '  ', '\t', '\n'),
    fc.constantFrom('', '', '+', '-'),
    fc.oneof(fc.bigInt(0n, 99_999n), fc.constantFrom(0n, 9_223_372_036_854_775_807n, 9_223_372_036_854_775_808n, 18_446_744_073_709_551_615n, 18_446_744_073_709_551_616n), fc.bigInt(0n, 10n ** 22n)),
    fc.constantFrom('', '', ' ', '   ', 'x', ' x', '\0', '\0x', '-', ' -', '\r', '0'.repeat(30)),
    fc.boolean(),
  )
  .map(([lead, sign, n, tail, bare]) => latin1(bare ? `${lead}${tail}` : `${lead}${sign}${n}${tail}`));

const value = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
  { weight: 3, arbitrary: numberish },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }) },
);

const casPick: fc.Arbitrary<CasPick> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ from: 'seen' as const }) },
  { weight: 1, arbitrary: fc.bigInt(0n, 40n).map((n) => ({ from: 'number' as const, n })) },
);

const delta = fc.oneof(fc.bigInt(0n, 20n), fc.constantFrom(2n ** 63n, 2n ** 64n - 1n), fc.bigInt(0n, 2n ** 64n - 1n));

/** An item right at memcached's 1 MiB limit (59 bytes of overhead, 63 with non-zero flags), ± a few bytes. */
const huge = fc
  .record({ key, flags: fc.constantFrom(0, 7), over: fc.integer({ min: -2, max: 2 }), kind: fc.constantFrom('set', 'add', 'append', 'cas') })
  .map(({ key: k, flags: f, over, kind }): StoreOp => {
    const size = 1024 * 1024 - k.length - (f === 0 ? 59 : 63) + over;
    // Printed as its size in counterexamples, not as a million numbers.
    const bytes = Object.assign(new Uint8Array(size).fill(0x78), { [fc.toStringMethod]: () => `<${size} bytes of x>` });
    if (kind === 'cas') return { kind, key: k, value: bytes, flags: f, exptime: 0, unique: { from: 'seen' } };
    return { kind, key: k, value: bytes, flags: f, exptime: 0 };
  });

/** One random operation. */
export const storeOp: fc.Arbitrary<StoreOp> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constantFrom('get', 'gets'), keys }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('gat', 'gats'), exptime, keys }) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constantFrom('set', 'add', 'replace', 'append', 'prepend'), key, value, flags, exptime }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('cas'), key, value, flags, exptime, unique: casPick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete'), key }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constantFrom('incr', 'decr'), key, delta }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('touch'), key, exptime }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('flush_all'), delay: fc.constantFrom(...FLUSH_DELAYS) }) },
  { weight: 1, arbitrary: huge },
) as fc.Arbitrary<StoreOp>;
