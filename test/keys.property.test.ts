import fc from 'fast-check';
import { Observable, Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Client } from '../src/client/client.js';
import type { Transport, Writer } from '../src/connection/transport.js';
import { MemcacheIllegalInputError } from '../src/errors.js';
import { wireKey, wirePrefix, type Key } from '../src/protocol/keys.js';
import type { WirePart } from '../src/protocol/request.js';

const PREFIXES = ['', 'app:', 'p'.repeat(249)] as const;

/** The rules, modelled independently: the wire bytes a key must become, or undefined when it is invalid. */
function model(key: Key, prefix: string, allowUnicodeKeys: boolean): Buffer | undefined {
  // Only well-formed UTF-16 survives a UTF-8 round trip: a lone surrogate comes back as U+FFFD.
  if (typeof key === 'string' && Buffer.from(key, 'utf8').toString('utf8') !== key) return undefined;
  const bytes = typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key);
  if (bytes.length === 0) return undefined;
  for (const b of bytes) {
    if (b <= 0x20 || b === 0x7f) return undefined;
    if (b >= 0x80 && !allowUnicodeKeys) return undefined;
  }
  const wire = Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]);
  return wire.length <= 250 ? wire : undefined;
}

const printable = fc.integer({ min: 0x21, max: 0x7e });
/** A Uint8Array view with forbidden bytes around it, so byteOffset handling is exercised. */
const byteKey = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> =>
  fc.tuple(bytes, fc.uint8Array({ maxLength: 3 })).map(([b, pad]) => {
    const backing = new Uint8Array(pad.length + b.length + 2).fill(0x20);
    backing.set(b, pad.length);
    return backing.subarray(pad.length, pad.length + b.length);
  });

const keyArb: fc.Arbitrary<Key> = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary-ascii' }),
  fc.string({ unit: printable.map((c) => String.fromCharCode(c)), minLength: 0, maxLength: 260 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '☃', '😀', ' ', '\r', '\n', '\x00', '\x7f', '\u0085', '\u00a0'), maxLength: 130 }),
  fc.constantFrom('\uD800', 'a\uDC00b', 'ÿ', '\u0100'),
  // Lone and paired surrogates in any order: only proper pairs are text.
  fc.string({ unit: fc.constantFrom('a', 'é', '😀', '\uD800', '\uDBFF', '\uDC00', '\uDFFF'), minLength: 1, maxLength: 12 }),
  // Around the 250-byte limit, with and without a prefix.
  fc.string({ unit: printable.map((c) => String.fromCharCode(c)), minLength: 240, maxLength: 255 }),
  fc.string({ unit: fc.constantFrom('a', 'é', '☃', '😀'), minLength: 60, maxLength: 130 }),
  byteKey(fc.uint8Array({ min: 0x21, max: 0xff, minLength: 240, maxLength: 255 })),
  byteKey(fc.uint8Array({ maxLength: 260 })),
  byteKey(fc.uint8Array({ min: 0x21, max: 0xff, minLength: 1, maxLength: 260 })),
);

const rulesArb = fc.record({ prefix: fc.constantFrom(...PREFIXES), allowUnicodeKeys: fc.boolean() });

function expectInvalidKey(error: unknown): void {
  expect(error).toBeInstanceOf(MemcacheIllegalInputError);
  expect((error as Error).message).toContain('invalid key');
}

describe('wireKey', () => {
  it('agrees with the model: exact wire bytes for valid keys, MemcacheIllegalInputError otherwise', () => {
    fc.assert(
      fc.property(keyArb, rulesArb, (key, rules) => {
        const expected = model(key, rules.prefix, rules.allowUnicodeKeys);
        let wire: string;
        try {
          wire = wireKey(key, rules);
        } catch (error) {
          expectInvalidKey(error);
          expect(expected, 'wireKey rejected a key the model accepts').toBeUndefined();
          return;
        }
        expect(expected, `wireKey accepted a key the model rejects: ${JSON.stringify(wire)}`).toBeDefined();
        expect([...wire].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true);
        const bytes = Buffer.from(wire, 'latin1');
        expect(bytes.toString('hex')).toBe(expected?.toString('hex'));
        expect(bytes.length).toBeGreaterThanOrEqual(1);
        expect(bytes.length).toBeLessThanOrEqual(250);
        for (const b of bytes) {
          expect(b > 0x20 && b !== 0x7f).toBe(true);
          if (!rules.allowUnicodeKeys) expect(b).toBeLessThan(0x80);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['CRLF injection', 'a\r\nflush_all'],
    ['space', 'a b'],
    ['NUL', 'a\x00'],
    ['LF injection', 'k\nset x 0 0 1'],
    ['tab', 'a\tb'],
    ['DEL', 'a\x7f'],
    ['251 bytes', 'a'.repeat(251)],
    ['251 bytes of UTF-8', 'é'.repeat(125) + 'a'],
    ['empty', ''],
    ['empty bytes', new Uint8Array(0)],
    ['bytes with CRLF', Uint8Array.from([0x61, 0x0d, 0x0a, 0x62])],
  ] as Array<[string, Key]>)('rejects %s under every rule set', (_name, key) => {
    for (const prefix of PREFIXES) {
      for (const allowUnicodeKeys of [false, true]) {
        expect(() => wireKey(key, { prefix, allowUnicodeKeys })).toThrow(MemcacheIllegalInputError);
        expect(() => wireKey(key, { prefix, allowUnicodeKeys })).toThrow(/invalid key/);
      }
    }
  });

  it('never gives two different string keys the same wire bytes', () => {
    const lone = fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uFFFD');
    const near = fc.tuple(fc.constantFrom('acct', 'k', 'é'), lone, lone).map(([stem, a, b]) => [stem + a, stem + b] as const);
    fc.assert(
      fc.property(fc.oneof(near, fc.tuple(keyArb, keyArb)), rulesArb, ([a, b], rules) => {
        if (typeof a !== 'string' || typeof b !== 'string' || a === b) return;
        let wires: [string, string];
        try {
          wires = [wireKey(a, rules), wireKey(b, rules)];
        } catch (error) {
          expectInvalidKey(error);
          return;
        }
        expect(wires[0], `${JSON.stringify(a)} and ${JSON.stringify(b)} reach the same item`).not.toBe(wires[1]);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses lone surrogates, in keys and in the prefix, even with allowUnicodeKeys', () => {
    for (const key of ['acct\uD800', 'acct\uDBFF', '\uDC00acct', 'a\uDFFF\uD800b']) {
      expect(() => wireKey(key, { prefix: '', allowUnicodeKeys: true })).toThrow(/lone UTF-16 surrogate/);
      expect(() => wirePrefix(key, true)).toThrow(MemcacheIllegalInputError);
    }
    expect(wireKey('acct\uD83D\uDE00', { prefix: '', allowUnicodeKeys: true })).toBe(Buffer.from('acct😀').toString('latin1'));
    expect(wireKey('acct\uFFFD', { prefix: '', allowUnicodeKeys: true })).toBe('acct\xef\xbf\xbd');
  });

  it('counts the prefix towards the 250-byte limit', () => {
    expect(wireKey('a'.repeat(250), { prefix: '', allowUnicodeKeys: false })).toHaveLength(250);
    expect(wireKey('a'.repeat(246), { prefix: 'app:', allowUnicodeKeys: false })).toBe(`app:${'a'.repeat(246)}`);
    expect(() => wireKey('a'.repeat(247), { prefix: 'app:', allowUnicodeKeys: false })).toThrow(MemcacheIllegalInputError);
    expect(wireKey('é', { prefix: '', allowUnicodeKeys: true })).toBe('\xc3\xa9');
    expect(() => wireKey('é', { prefix: '', allowUnicodeKeys: false })).toThrow(/invalid key/);
  });
});

/** A fake transport that records subscriptions and writes, and answers `END` to every retrieval. */
function recordingTransport(): { transport: Transport; subscriptions: () => number; writes: string[] } {
  let subscriptions = 0;
  const writes: string[] = [];
  const incoming = new Subject<Buffer>();
  const text = (parts: readonly WirePart[]): string =>
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))).toString('latin1');
  const transport: Transport = (connected) =>
    new Observable<Buffer>((subscriber) => {
      subscriptions++;
      const inner = incoming.subscribe(subscriber);
      const writer: Writer = {
        write(parts) {
          const line = text(parts);
          writes.push(line);
          if (line.startsWith('get ')) queueMicrotask(() => incoming.next(Buffer.from('END\r\n', 'latin1')));
        },
        end(parts) {
          if (parts.length > 0) writes.push(text(parts));
        },
      };
      connected(writer);
      return inner;
    });
  return { transport, subscriptions: () => subscriptions, writes };
}

async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Client key validation end to end', () => {
  const optionsArb = fc.record({ keyPrefix: fc.constantFrom('', 'app:'), allowUnicodeKeys: fc.boolean() });

  it('rejects invalid keys on every command without subscribing to the transport', async () => {
    const invalid = fc.tuple(keyArb, optionsArb).filter(([k, o]) => model(k, o.keyPrefix, o.allowUnicodeKeys) === undefined);
    await fc.assert(
      fc.asyncProperty(invalid, async ([key, options]) => {
        const fake = recordingTransport();
        const client = new Client('127.0.0.1:1', { protocol: 'text', ...options, connect: () => fake.transport });
        const commands: Array<PromiseLike<unknown>> = [
          client.get(key),
          client.set(key, 'v'),
          client.delete(key),
          client.getMany(['ok', key]),
          client.touch(key),
          client.incr(key, 1),
        ];
        for (const command of commands) expectInvalidKey(await rejection(command));
        expect(fake.subscriptions()).toBe(0);
        expect(fake.writes).toEqual([]);
        await client.close();
        expect(fake.subscriptions()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('writes exactly `get <wire key>\\r\\n` for any valid key', async () => {
    const valid = fc
      .tuple(keyArb, optionsArb)
      .map(([key, options]) => ({ key, options, wire: model(key, options.keyPrefix, options.allowUnicodeKeys) }))
      .filter((c): c is typeof c & { wire: Buffer } => c.wire !== undefined);
    await fc.assert(
      fc.asyncProperty(valid, async ({ key, options, wire }) => {
        const fake = recordingTransport();
        const client = new Client('127.0.0.1:1', { protocol: 'text', ...options, connect: () => fake.transport });
        try {
          await expect(client.get(key)).resolves.toBeUndefined();
          expect(fake.subscriptions()).toBe(1);
          expect(fake.writes).toEqual([`get ${wire.toString('latin1')}\r\n`]);
        } finally {
          await client.close();
        }
      }),
      { numRuns: 200 },
    );
  });
});
