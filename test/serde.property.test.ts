import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemcacheIllegalInputError, MemcacheSerdeError, serde, type Serde } from '../src/index.js';

// Round trips and robustness of every serde, without a server.
const KEY = 'k';
const roundTrip = <V>(s: Serde<V>, value: V): V => {
  const stored = s.serialize(KEY, value);
  return s.deserialize(KEY, Buffer.from(stored.value), stored.flags);
};

const pythonValue = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.uint8Array({ maxLength: 600 }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).filter((b) => b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)),
);
/** What the python serde reads back: bytes as Buffer, big integers as bigint, the rest as they were. */
const asRead = (v: string | Uint8Array | number | bigint): unknown => (v instanceof Uint8Array ? Buffer.from(v) : v);

// JSON that survives JSON: no -0 (JSON turns it into 0).
const jsonValue = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

const richLeaf = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.bigInt(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 20 }),
);
const rich = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, richLeaf, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
  map: fc.array(fc.tuple(fc.string({ maxLength: 6 }), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
  set: fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 4 }).map((e) => new Set(e)),
})).value;

describe('round trips', () => {
  it('serde.python: strings, bytes, safe integers and bigints come back equal', () => {
    fc.assert(fc.property(pythonValue, (v) => {
      expect(roundTrip(serde.python(), v)).toEqual(asRead(v));
    }), { numRuns: 500 });
  });

  it('serde.json: any JSON value comes back deep-equal', () => {
    const s = serde.json<unknown>();
    fc.assert(fc.property(jsonValue, (v) => {
      expect(roundTrip(s, v)).toEqual(v);
    }), { numRuns: 500 });
  });

  it('serde.v8: objects, arrays, Map, Set, Date, bigint, typed arrays, nested — deep-equal', () => {
    const s = serde.v8<unknown>();
    fc.assert(fc.property(rich, (v) => {
      expect(roundTrip(s, v)).toEqual(v);
    }), { numRuns: 400 });
  });

  it('serde.compressed (zlib and brotli, any minLength) is transparent', () => {
    const settings = fc.record({ compressor: fc.constantFrom('zlib' as const, 'brotli' as const), minLength: fc.nat(1000) });
    const values = fc.oneof(pythonValue, fc.string({ minLength: 300, maxLength: 3000 }).map((s) => s.repeat(3)));
    fc.assert(
      fc.property(settings, values, (opts, v) => {
        expect(roundTrip(serde.compressed(serde.python(), opts), v)).toEqual(asRead(v));
      }),
      { numRuns: 300 },
    );
  });
});

describe('compression rules', () => {
  const zipped = serde.compressed(serde.python(), { minLength: 400 });
  it('compresses at minLength and above when it helps, sets bit 8, and never otherwise', () => {
    expect(zipped.serialize(KEY, 'a'.repeat(399)).flags).toBe(16);
    expect(zipped.serialize(KEY, 'a'.repeat(400)).flags).toBe(16 | 8);
    const noise = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919 + (i >> 3) * 104729) % 251));
    const random = zipped.serialize(KEY, noise);
    if (random.flags === 8) expect(random.value.length).toBeLessThan(noise.length);
    else expect(random.flags).toBe(0);
    expect(serde.compressed(serde.python(), { compressor: 'brotli' }).serialize(KEY, 'b'.repeat(1000)).flags).toBe(16 | 1024);
  });

  it('bounds decompression and reports corrupt data as MemcacheSerdeError', () => {
    const small = serde.compressed(serde.python(), { maxDecompressedLength: 1000 });
    const bomb = zipped.serialize(KEY, 'z'.repeat(100_000));
    expect(() => small.deserialize(KEY, Buffer.from(bomb.value), bomb.flags)).toThrow(MemcacheSerdeError);
    expect(() => zipped.deserialize(KEY, Buffer.from('not zlib at all'), 16 | 8)).toThrow(MemcacheSerdeError);
    expect(() => zipped.deserialize(KEY, Buffer.from('x'), 8 | 1024)).toThrow(MemcacheSerdeError);
  });

  it('zstd fails clearly where this Node has none', () => {
    if (serde.zstdAvailable) expect(roundTrip(serde.compressed(serde.python(), { compressor: 'zstd' }), 'q'.repeat(900))).toBe('q'.repeat(900));
    else expect(() => serde.compressed(serde.python(), { compressor: 'zstd' })).toThrow(/zstd/);
  });
});

describe('any bytes and flags: a value or a typed error, never anything else', () => {
  const serdes: Array<[string, Serde<unknown>]> = [
    ['python', serde.python() as Serde<unknown>],
    ['json', serde.json<unknown>()],
    ['v8', serde.v8<unknown>()],
    ['compressed', serde.compressed(serde.python()) as Serde<unknown>],
    ['default', serde.defaultSerde as Serde<unknown>],
  ];
  const flags = fc.oneof(fc.constantFrom(0, 1, 2, 4, 8, 16, 24, 256, 512, 1024, 1040, 2048, 8 | 1024), fc.nat());
  it.each(serdes)('%s', (_name, s) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), flags, (bytes, f) => {
        try {
          s.deserialize(KEY, Buffer.from(bytes), f);
        } catch (error) {
          expect(error).toBeInstanceOf(MemcacheSerdeError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('strict JSON refuses what would not read back the same', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const shared = { x: 1 };
  it.each([
    ['undefined', undefined],
    ['a property holding undefined', { a: undefined }],
    ['a bigint', 1n],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-0', -0],
    ['a cycle', cyclic],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
    ['a class instance', new (class Point { x = 1 })()],
    ['nested trouble', { list: [1, { deep: [2n] }] }],
  ])('%s', (_what, value) => {
    expect(() => serde.json<unknown>().serialize(KEY, value)).toThrow(MemcacheIllegalInputError);
  });

  it('accepts shared (non-cyclic) references and null-prototype objects', () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(roundTrip(serde.json<unknown>(), { one: shared, two: shared, bare })).toEqual({ one: { x: 1 }, two: { x: 1 }, bare: { a: 1 } });
  });

  it('python reads invalid UTF-8 text as a typed error, like Python does', () => {
    expect(() => serde.python().deserialize(KEY, Buffer.from([0x68, 0xff, 0x69]), 16)).toThrow(MemcacheSerdeError);
    expect(serde.python().deserialize(KEY, Buffer.from('\ufeffbom'), 16)).toBe('\ufeffbom');
  });

  it('python refuses floats and objects (pymemcache would pickle them)', () => {
    expect(() => serde.python().serialize(KEY, 1.5)).toThrow(MemcacheIllegalInputError);
    expect(() => serde.python().serialize(KEY, {} as unknown as string)).toThrow(MemcacheIllegalInputError);
    expect(() => serde.v8().serialize(KEY, () => 1)).toThrow(MemcacheIllegalInputError);
  });
});
