import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../src/protocol/frames.js';
import { chars, crlf, cuttings, data, parse, withCuts } from './support/meta-streams.js';

// Meta frames mixed with classic ones parse to the same frames however the stream is cut.

/** A return flag: a letter, then any token characters (`O`, `k`, `c`, `t`, `W`, … and unknown ones). */
const flagToken = fc.tuple(chars(0x41, 0x5a, 1, 1).chain((upper) => fc.constantFrom(upper, upper.toLowerCase())), chars(0x21, 0x7e, 0, 12)).map(([l, v]) => l + v);

/** What a frame parses to, as comparable data. */
const norm = (f: Frame): unknown =>
  f.kind === 'block' ? ['block', f.header.toString('latin1'), f.value.toString('hex')]
  : f.kind === 'value' ? ['value', f.key, f.flags, f.cas, f.value.toString('hex')]
  : f.kind === 'end' ? ['end']
  : f.kind === 'error' ? ['error', f.type, f.line.toString('latin1')]
  : ['line', f.line.toString('latin1')];

interface Piece {
  readonly bytes: Buffer;
  readonly frame: unknown;
}
const line = (text: string, frame: unknown = ['line', text]): Piece => ({ bytes: crlf(text), frame });
const metaBlock = fc.tuple(fc.array(flagToken, { maxLength: 5 }), data).map(([flags, value]): Piece => {
  const header = ['VA', String(value.length), ...flags].join(' ');
  return { bytes: Buffer.concat([crlf(header), value, crlf('')]), frame: ['block', header, value.toString('hex')] };
});
const metaLine = fc.tuple(fc.constantFrom('HD', 'EN', 'NS', 'EX', 'NF'), fc.array(flagToken, { maxLength: 5 })).map(([s, flags]) => line([s, ...flags].join(' ')));
const classic = fc.oneof(
  fc.tuple(chars(0x21, 0x7e, 1, 20), fc.nat(), data).map(([key, flags, value]): Piece => ({
    bytes: Buffer.concat([crlf(`VALUE ${key} ${flags} ${value.length}`), value, crlf('')]),
    frame: ['value', key, flags, undefined, value.toString('hex')],
  })),
  fc.constant(line('END', ['end'])),
  fc.constantFrom('STORED', 'NOT_FOUND', 'DELETED', '42', 'VERSION 1.6.18').map((w) => line(w)),
  fc.constantFrom('ERROR', 'CLIENT_ERROR bad data chunk', 'SERVER_ERROR out of memory').map((w) => line(w, ['error', w.split(' ')[0], w])),
);
const pieces = fc.array(fc.oneof({ weight: 3, arbitrary: metaBlock }, { weight: 3, arbitrary: metaLine }, fc.constant(line('MN')), classic), { minLength: 1, maxLength: 20 });

describe('meta frames in the parser', () => {
  it('meta and classic frames, cut anywhere, parse to the same frames', () => {
    const stream = pieces.map((ps) => ({ ps, bytes: Buffer.concat(ps.map((p) => p.bytes)) }));
    fc.assert(
      fc.property(withCuts(stream), ([{ ps, bytes }, cuts]) => {
        for (const chunks of cuttings(bytes, cuts)) expect(parse(chunks).map(norm)).toEqual(ps.map((p) => p.frame));
      }),
      { numRuns: 300 },
    );
  });
});

