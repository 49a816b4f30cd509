import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemcacheIllegalInputError } from '../src/errors.js';
import { rawLine } from '../src/protocol/raw-line.js';

// For any raw command, either it goes out as exactly one line that says what the caller wrote, or it
// is refused before any I/O.
const unit = fc.constantFrom('a', ' ', '\r', '\n', '\x00', 'ÿ', 'é', 'ключ', '😀', '\uD800', '\uDFFF');
const commandArb: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.string({ unit, maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }),
);

describe('rawLine', () => {
  it('returns one line of the caller’s exact text or bytes, or throws MemcacheIllegalInputError', () => {
    fc.assert(
      fc.property(commandArb, fc.boolean(), (command, utf8) => {
        let line: Uint8Array;
        try {
          line = rawLine(command, utf8);
        } catch (error) {
          expect(error).toBeInstanceOf(MemcacheIllegalInputError);
          return;
        }
        expect(line.includes(0x0d) || line.includes(0x0a)).toBe(false);
        const back = Buffer.from(line);
        if (typeof command !== 'string') expect(back.equals(Buffer.from(command))).toBe(true);
        else expect(back.toString(utf8 ? 'utf8' : 'latin1')).toBe(command);
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['CRLF', 'get a\r\nflush_all', false],
    ['LF in bytes', Uint8Array.from([0x67, 0x0a, 0x66]), false],
    ['a char above U+00FF as latin1', 'get ключ', false],
    ['a lone surrogate as UTF-8', 'get k\uD800', true],
  ] as const)('refuses %s', (_name, command, utf8) => {
    expect(() => rawLine(command, utf8)).toThrow(MemcacheIllegalInputError);
  });
});
