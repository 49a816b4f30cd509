import fc from 'fast-check';
import { expect } from 'vitest';
import type { Frame } from '../../src/protocol/frames.js';
import { ResponseParser } from '../../src/protocol/parser.js';

// Shared by the meta property tests: byte-stream arbitraries, ways to cut a stream, and a parse that
// feeds chunks as the socket transport does.

/** Strings of chars from..to (char codes). */
export const chars = (from: number, to: number, minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.integer({ min: from, max: to }).map((c) => String.fromCharCode(c)), minLength, maxLength });
/** Data blocks of any bytes. */
export const data = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes));
/** `text` + CRLF, latin1. */
export const crlf = (text: string): Buffer => Buffer.from(`${text}\r\n`, 'latin1');

/** Every way to cut `bytes` the tests try: whole, at `cuts`, byte by byte. */
export function cuttings(bytes: Buffer, cuts: readonly number[]): Buffer[][] {
  const at = (points: number[]): Buffer[] => {
    const sorted = [...new Set(points)].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
    return [0, ...sorted].map((from, i) => Buffer.from(bytes.subarray(from, sorted[i] ?? bytes.length)));
  };
  return [[bytes], at([...cuts]), at(Array.from({ length: bytes.length }, (_, i) => i))];
}

/** Parses chunks fed through one reused buffer, scribbled over after each feed (as the transport reuses it). */
export function parse(chunks: readonly Buffer[]): Frame[] {
  const parser = new ResponseParser();
  const frames: Frame[] = [];
  const reused = Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length)));
  for (const chunk of chunks) {
    chunk.copy(reused);
    parser.feed(reused.subarray(0, chunk.length), (f) => frames.push(f));
    reused.fill(0x56);
  }
  expect(parser.buffered).toBe(0);
  return frames;
}

/** An arbitrary with random cut points within its bytes. */
export const withCuts = <T extends { bytes: Buffer }>(arb: fc.Arbitrary<T>): fc.Arbitrary<[T, number[]]> =>
  arb.chain((x) => fc.tuple(fc.constant(x), fc.array(fc.integer({ min: 1, max: Math.max(1, x.bytes.length - 1) }), { maxLength: 30 })));
