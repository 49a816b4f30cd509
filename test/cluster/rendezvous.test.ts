import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RingNode } from '../../src/cluster/hasher.js';
import { murmur3_32 } from '../../src/cluster/murmur3.js';
import { rendezvousHasher } from '../../src/cluster/rendezvous.js';
import { ensurePymemcache } from '../support/python.js';

const node = (name: string): RingNode => ({ name, host: undefined, port: undefined, weight: 1 });
const ringOf = (names: readonly string[], seed = 0) => rendezvousHasher({ seed })(names.map(node));

describe('murmur3_32 (pymemcache flavour)', () => {
  it.each([
    ['6666', 0, 1361238019],
    ['6666', 10, 2981722772],
    ['', 0, 0],
    ['a', 0, 1009084850],
    ['abc', 0, 3017643002],
    ['abcd', 0, 1139631978],
    ['hello', 0, 613153351],
    ['127.0.0.1:11211-foo', 0, 553244281],
    ['é', 0, 1153881266],
    ['ǩ', 0, 1153881266], // U+01E9 & 0xff === U+00E9: pymemcache drops the high bits of each code point
  ])('%j seed %i → %i', (text, seed, expected) => {
    expect(murmur3_32(text, seed)).toBe(expected);
  });

  it('hashes a Uint8Array as its bytes, like the Latin-1 string of them', () => {
    const bytes = Uint8Array.of(0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xe9, 0x00, 0xff);
    expect(murmur3_32(bytes)).toBe(murmur3_32(Buffer.from(bytes).toString('latin1')));
    expect(murmur3_32(Uint8Array.of(0x61))).toBe(1009084850);
  });

  it('counts an astral code point as one byte, not two UTF-16 units', () => {
    // U+1F600 & 0xff === 0x00, so '😀' hashes as the single byte 0x00.
    expect(murmur3_32('😀')).toBe(murmur3_32(Uint8Array.of(0x00)));
    expect(murmur3_32('a😀bc')).toBe(murmur3_32(Uint8Array.of(0x61, 0x00, 0x62, 0x63)));
  });
});

describe('rendezvousHasher: pymemcache inventory vectors', () => {
  it('nodes 0, 1, 2; then add 3; then remove 1', () => {
    const keys = ['ok', 'mykey', 'wat', 'lol'];
    expect(keys.map((k) => ringOf(['0', '1', '2']).nodeFor(k))).toEqual(['0', '1', '2', '2']);
    expect(keys.map((k) => ringOf(['0', '1', '2', '3']).nodeFor(k))).toEqual(['0', '1', '2', '3']);
    expect(ringOf(['0', '2']).nodeFor('mykey')).toBe('0');
  });

  it('127.0.0.1:11211..11213', () => {
    const ring = ringOf(['127.0.0.1:11211', '127.0.0.1:11212', '127.0.0.1:11213']);
    const expected = {
      foo: '127.0.0.1:11213', bar: '127.0.0.1:11211', baz: '127.0.0.1:11212', key1: '127.0.0.1:11212',
      key2: '127.0.0.1:11213', key3: '127.0.0.1:11213', 'user:42': '127.0.0.1:11212',
    };
    for (const [key, name] of Object.entries(expected)) expect(ring.nodeFor(key), key).toBe(name);
  });

  it('an empty ring places nothing', () => {
    expect(ringOf([]).nodeFor('foo')).toBeUndefined();
  });

  it('a Uint8Array key is placed as its Latin-1 string', () => {
    const ring = ringOf(['a:1', 'b:2', 'c:3', 'd:4', 'e:5']);
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: i % 17 }, (_, j) => (i * 31 + j * 97) & 0xff);
      expect(ring.nodeFor(bytes)).toBe(ring.nodeFor(Buffer.from(bytes).toString('latin1')));
    }
  });

  it('breaks a tie by the greatest name in code-point order, whatever the node order', () => {
    // 'é'/'ǩ' and '\uff00'/'😀' hash identically for every key, so every key is a tie.
    for (const names of [['é', 'ǩ'], ['ǩ', 'é']]) expect(ringOf(names).nodeFor('k')).toBe('ǩ');
    // Python compares code points (U+1F600 > U+FF00); JS `>` on UTF-16 units would say the opposite.
    for (const names of [['\uff00', '😀'], ['😀', '\uff00']]) expect(ringOf(names).nodeFor('k')).toBe('😀');
  });
});

// ---- live comparison with the real pymemcache -------------------------------------------------

const SCRIPT = fileURLToPath(new URL('./pymemcache_hash.py', import.meta.url));

interface PyReply {
  placements: (string | null)[];
  murmur: number[];
}

function pymemcacheHash(nodes: readonly string[], keys: readonly string[], seed: number): Promise<PyReply> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      ensurePymemcache(),
      ['-I', SCRIPT],
      { timeout: 60_000, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => (error === null ? resolve(JSON.parse(stdout) as PyReply) : reject(new Error(`${error.message}\n${stderr}`))),
    );
    child.stdin?.end(JSON.stringify({ nodes, keys, seed }));
  });
}

/** mulberry32: a fixed seed keeps the key set, and so any failure, reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RANGES: Record<string, readonly [number, number][]> = {
  ascii: [[0x20, 0x7e]],
  latin: [[0xc0, 0xff], [0x100, 0x17f]],
  cjk: [[0x4e00, 0x9fff], [0x3040, 0x30ff]],
  emoji: [[0x1f300, 0x1faff], [0x1f1e6, 0x1f1ff]],
  mixed: [[0x20, 0x7e], [0xa0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x4e00, 0x9fff], [0xe000, 0xffef], [0x1f300, 0x1faff], [0x20000, 0x2a6df]],
};

function randomText(next: () => number, ranges: readonly [number, number][], maxLength: number): string {
  let out = '';
  const length = Math.floor(next() * (maxLength + 1));
  for (let i = 0; i < length; i++) {
    const [lo, hi] = ranges[Math.floor(next() * ranges.length)]!;
    out += String.fromCodePoint(lo + Math.floor(next() * (hi - lo + 1)));
  }
  return out;
}

function makeKeys(count: number): string[] {
  const next = prng(0x5eed);
  const keys: string[] = ['', 'é', 'ǩ', '\ud800', 'a\udfffb', '😀'];
  const kinds = ['key', 'user', 'ascii', 'latin', 'cjk', 'emoji', 'mixed'] as const;
  for (let i = 0; keys.length < count; i++) {
    const kind = kinds[i % kinds.length]!;
    if (kind === 'key') keys.push(`key:${i}`);
    else if (kind === 'user') keys.push(`user/${i}`);
    else keys.push(randomText(next, RANGES[kind]!, kind === 'ascii' ? 40 : 12));
  }
  return keys;
}

const KEYS = makeKeys(3000);
const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
const NODE_SETS: { label: string; nodes: string[]; seed: number; owners?: number }[] = [
  { label: '3 × 127.0.0.1:1121N', nodes: range(3, (i) => `127.0.0.1:${11211 + i}`), seed: 0 },
  { label: '5 × cache-N.example:11211', nodes: range(5, (i) => `cache-${i}.example:11211`), seed: 0 },
  {
    label: '10 mixed (IPv4, IPv6, DNS, UNIX socket)',
    nodes: [...range(4, (i) => `10.0.0.${i + 1}:11211`), '::1:11211', 'fe80::1ff:fe23:4567:890a:11211', '2001:db8::7:11212', 'cache-a.example:11211', 'cache-b.example:11211', '/tmp/mc.sock'],
    seed: 0,
  },
  { label: '5 × cache-N.example:11211, seed 10', nodes: range(5, (i) => `cache-${i}.example:11211`), seed: 10 },
  // 'é' never beats 'ǩ' and '\uff00' never beats '😀' (see the tie test), so only 3 nodes own keys.
  { label: 'always-tied names', nodes: ['é', 'ǩ', '\uff00', '😀', 'x:1'], seed: 0, owners: 3 },
];

describe('rendezvousHasher agrees with the real pymemcache', () => {
  beforeAll(() => void ensurePymemcache(), 120_000);

  it.each(NODE_SETS)('$label: every placement and murmur3_32 over 3000 keys', async ({ nodes, seed, owners }) => {
    const py = await pymemcacheHash(nodes, KEYS, seed);
    expect(py.placements).toHaveLength(KEYS.length);
    const ring = rendezvousHasher({ seed })(nodes.map(node));
    const mismatches: { key: string; ts: unknown; py: unknown; what: string }[] = [];
    KEYS.forEach((key, i) => {
      const ts = ring.nodeFor(key);
      if (ts !== py.placements[i]) mismatches.push({ key, ts, py: py.placements[i], what: 'placement' });
      const hash = murmur3_32(key, seed);
      if (hash !== py.murmur[i]) mismatches.push({ key, ts: hash, py: py.murmur[i], what: 'murmur' });
    });
    expect(mismatches).toEqual([]);
    // Sanity: the comparison covered every node, not a degenerate ring.
    expect(new Set(py.placements).size).toBe(owners ?? nodes.length);
  });
});
