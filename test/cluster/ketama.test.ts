import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RingNode } from '../../src/cluster/hasher.js';
import { ketamaHasher, ketamaKeyHash, ketamaPointCount, ketamaPointName } from '../../src/cluster/ketama.js';
import { locateKeys, startLoopbackMemcached, startNutcracker, storeThrough, type LoopbackMemcached } from '../support/nutcracker.js';

const tcp = (host: string, port: number, weight = 1): RingNode => ({ name: `${host}:${port}`, host, port, weight });
const ring = (...nodes: RingNode[]) => ketamaHasher()(nodes);
const md5Points = (text: string): number[] => {
  const digest = createHash('md5').update(text).digest();
  return [0, 1, 2, 3].map((a) => digest.readUInt32LE(4 * a));
};

// The survey's vectors (peers-survey §4.6, §4.5): libmemcached KETAMA_WEIGHTED, nutcracker md5 and
// node-hashring agree on the first set; the second is where float32 rounding decides.
describe('fixed vectors', () => {
  const three = [tcp('127.0.0.2', 11211), tcp('127.0.0.3', 11211), tcp('127.0.0.4', 22122)] as const;

  it('routes the survey keys like libmemcached', () => {
    const expected: Record<string, string> = {
      'key:0': '.3', 'key:1': '.3', 'key:2': '.2', 'key:3': '.4', 'key:4': '.4', 'key:5': '.3', 'key:6': '.3',
      'key:7': '.3', 'key:8': '.2', 'key:9': '.4', 'key:10': '.2', 'key:11': '.3', 'user/42': '.4', 'ümlaut': '.4', '日本語': '.4',
    };
    const r = ring(...three);
    const byTail = { '.2': '127.0.0.2:11211', '.3': '127.0.0.3:11211', '.4': '127.0.0.4:22122' } as const;
    for (const [key, tail] of Object.entries(expected)) expect([key, r.nodeFor(key)]).toEqual([key, byTail[tail as keyof typeof byTail]]);
  });

  it('hashes keys and point names as the survey records', () => {
    expect(ketamaKeyHash('key:0')).toBe(2192279263);
    expect(ketamaKeyHash('foo')).toBe(3675831724);
    expect(ketamaPointName(three[0], 0)).toBe('127.0.0.2-0');
    expect(ketamaPointName(three[2], 0)).toBe('127.0.0.4:22122-0');
    expect(md5Points(ketamaPointName(three[0], 0))).toEqual([3935527704, 3483846859, 4288166037, 362506072]);
    expect(md5Points(ketamaPointName(three[2], 0))).toEqual([520092316, 733355903, 585344714, 1462341210]);
  });

  it('names UNIX socket points path-i', () => {
    expect(ketamaPointName({ name: '/run/mc.sock', host: undefined, port: undefined, weight: 1 }, 3)).toBe('/run/mc.sock-3');
  });

  it('counts points in float32, as libmemcached and twemproxy do', () => {
    expect([1, 1, 1, 10, 12].map((w) => ketamaPointCount(w, 25, 5))).toEqual([28, 28, 28, 320, 380]);
    const short = [];
    for (let n = 1; n <= 100; n++) if (ketamaPointCount(1, n, n) !== 160) short.push(n);
    expect(short).toEqual([25, 47, 50, 55, 61, 71, 94, 100]);
    expect(short.map((n) => ketamaPointCount(1, n, n))).toEqual(Array(short.length).fill(156));
  });

  it('routes the float32 edge case like libmemcached, not like double arithmetic', () => {
    const r = ring(...[1, 1, 1, 10, 12].map((w, i) => tcp(`s${i + 1}.example`, 11211, w)));
    const expected = { 'key:2': 's5', 'key:68': 's2', 'key:164': 's5', 'key:267': 's4', 'key:280': 's5' };
    for (const [key, server] of Object.entries(expected)) expect([key, r.nodeFor(key)]).toEqual([key, `${server}.example:11211`]);
  });

  it('hashes a string as its UTF-8 bytes', () => {
    const r = ring(...three);
    for (const key of ['日本語', 'ümlaut', 'key:3']) expect(r.nodeFor(new TextEncoder().encode(key))).toBe(r.nodeFor(key));
  });

  it('short-circuits one server and answers undefined for none', () => {
    expect(ring(tcp('solo', 1)).nodeFor('anything')).toBe('solo:1');
    expect(ring().nodeFor('anything')).toBeUndefined();
  });

  it('keeps the survivors’ keys when a server is removed (160 points at both sizes)', () => {
    const before = ring(...three);
    const after = ring(three[0], three[1]);
    for (let i = 0; i < 500; i++) {
      const owner = before.nodeFor(`key:${i}`);
      if (owner !== '127.0.0.4:22122') expect(after.nodeFor(`key:${i}`)).toBe(owner);
    }
  });
});

// Live: nutcracker (hash md5, distribution ketama) routes the keys; each backend is then asked which it
// holds. Every backend listens on 127.x.y.z:11211 (hashed as `host-i`) and on its own port (`host:port-i`).
describe('live vectors against twemproxy', () => {
  const backends: LoopbackMemcached[] = [];
  type PortChoice = '11211' | 'own port' | 'mixed';
  const configs: Array<{ weights: number[]; ports: PortChoice }> = [
    ...(['11211', 'own port', 'mixed'] as const).map((ports) => ({ weights: [1, 1, 1], ports })),
    ...(['11211', 'own port'] as const).flatMap((ports) => [7, 25].map((n) => ({ weights: Array<number>(n).fill(1), ports }))),
    ...(['11211', 'own port'] as const).map((ports) => ({ weights: [1, 1, 1, 10, 12], ports })),
  ];

  beforeAll(async () => {
    backends.push(...(await Promise.all(Array.from({ length: 25 }, () => startLoopbackMemcached()))));
  });

  afterAll(async () => {
    await Promise.all(backends.map((b) => b.stop()));
  });

  configs.forEach(({ weights, ports }, i) => {
    const shape = weights.every((w) => w === 1) ? 'equal weights' : `weights ${weights.join(',')}`;
    it(`${weights.length} servers, ${shape}, ${ports}: every key is where our ring puts it`, async () => {
      const servers = weights.map((weight, s) => {
        const b = backends[s] as LoopbackMemcached;
        const port = ports === '11211' || (ports === 'mixed' && s % 2 === 0) ? 11211 : b.port;
        return { host: b.host, port, weight, node: tcp(b.host, port, weight) };
      });
      const keys = [...Array.from({ length: 997 }, (_, k) => `c${i}:key:${k}`), `c${i}:user/42`, `c${i}:ümlaut`, `c${i}:日本語`];
      const proxy = await startNutcracker(servers, { hash: 'md5', distribution: 'ketama' });
      try {
        expect((await storeThrough(proxy.port, keys)).filter((line) => line !== 'STORED')).toEqual([]);
      } finally {
        await proxy.stop();
      }
      const holders = await locateKeys(servers, keys);
      const r = ketamaHasher()(servers.map((s) => s.node));
      const mismatches = keys.flatMap((key, k) => {
        const actual = (holders[k] ?? []).map((s) => servers[s]?.node.name);
        const expected = r.nodeFor(key);
        return actual.length === 1 && actual[0] === expected ? [] : [{ key, expected, actual }];
      });
      expect(mismatches, `hosts ${servers.map((s) => s.node.name).join(' ')}`).toEqual([]);
    });
  });
});
