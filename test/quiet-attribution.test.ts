import { describe, expect, it } from 'vitest';
import { attribute, type Refusal, type Verdict } from '../src/protocol/quiet-attribution.js';
import { MemcacheServerError, MemcacheUnknownError } from '../src/errors.js';
import type { ErrorFrame } from '../src/protocol/frames.js';

// attribute(): whose error lines were they, among the quiet commands of one window. Candidates here
// are written as the `ms` sizes memcached judges them by ('ms:<size>'), or 'mg' (no line is its).

const line = (message: string): ErrorFrame => ({ kind: 'error', type: 'SERVER_ERROR', message, line: Buffer.from(`SERVER_ERROR ${message}`, 'latin1') });
const TOO_LARGE = line('object too large for cache');
const NO_MEMORY = line('out of memory storing object');

function candidate(spec: string): Refusal {
  if (spec === 'mg') return () => undefined;
  const size = Number(spec.slice(3));
  return (frame) => (frame.message === TOO_LARGE.message ? { rule: 'size', size } : frame.message === NO_MEMORY.message ? { rule: 'any' } : undefined);
}

/** Each verdict as a short word: 'ok' (silent), 'too large' / 'no memory' (sure), '1 of 3' (may be). */
function show(verdicts: readonly Verdict[]): string[] {
  return verdicts.map((v) => {
    if (v === undefined) return 'ok';
    if (v instanceof MemcacheServerError) return /^(\d+ of \d+)/.exec(v.message)?.[1] ?? v.message;
    return v.message === TOO_LARGE.message ? 'too large' : 'no memory';
  });
}

describe('attribute', () => {
  it.each([
    ['one candidate', [TOO_LARGE], ['ms:10'], ['too large']],
    ['too large: the largest of many', [TOO_LARGE], ['ms:10', 'ms:900', 'mg', 'ms:20'], ['ok', 'too large', 'ok', 'ok']],
    ['too large twice: the two largest', [TOO_LARGE, TOO_LARGE], ['ms:800', 'ms:10', 'ms:900', 'ms:20'], ['too large', 'ok', 'too large', 'ok']],
    ['too large, a tie at the boundary: both may be', [TOO_LARGE], ['ms:900', 'ms:10', 'ms:900'], ['1 of 2', 'ok', '1 of 2']],
    ['too large, a tie above the boundary: both sure', [TOO_LARGE, TOO_LARGE], ['ms:900', 'ms:10', 'ms:900'], ['too large', 'ok', 'too large']],
    ['out of memory, one ms among reads', [NO_MEMORY], ['mg', 'ms:10', 'mg'], ['ok', 'no memory', 'ok']],
    ['out of memory, two ms: each may be', [NO_MEMORY], ['ms:10', 'mg', 'ms:20'], ['1 of 2', 'ok', '1 of 2']],
    ['out of memory as often as ms: each sure', [NO_MEMORY, NO_MEMORY], ['ms:10', 'mg', 'ms:20'], ['no memory', 'ok', 'no memory']],
    ['too large to the largest, then out of memory among the rest', [NO_MEMORY, TOO_LARGE], ['ms:10', 'ms:900', 'ms:20'], ['1 of 2', 'too large', '1 of 2']],
    ['too large and out of memory, exactly two ms', [TOO_LARGE, NO_MEMORY], ['ms:900', 'ms:20'], ['too large', 'no memory']],
  ] as const)('%s', (_name, errors, candidates, expected) => {
    expect(show(attribute(errors, candidates.map(candidate)))).toEqual(expected);
  });

  it('an ambiguous failure says what the server said, as its cause', () => {
    const [verdict] = attribute([NO_MEMORY], ['ms:1', 'ms:2'].map(candidate));
    expect(verdict).toBeInstanceOf(MemcacheServerError);
    expect((verdict as Error).message).toContain('"SERVER_ERROR out of memory storing object"');
    expect(((verdict as Error).cause as Error).message).toBe('out of memory storing object');
  });

  it.each([
    ['more lines than ms', [NO_MEMORY, NO_MEMORY], ['ms:1', 'mg']],
    ['no ms at all', [TOO_LARGE], ['mg', 'mg']],
    ['more lines than ms once too large took its own', [TOO_LARGE, NO_MEMORY], ['ms:900']],
  ] as const)('out of step: %s', (_name, errors, candidates) => {
    expect(() => attribute(errors, candidates.map(candidate))).toThrow(MemcacheUnknownError);
  });
});
