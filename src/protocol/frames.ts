/**
 * Typed response frames: what the parser cuts the server's byte stream into. A frame is one complete
 * protocol unit (a line, or a header line plus its data block); commands consume frames, never bytes.
 */

/** `VALUE <key> <flags> <bytes> [<cas>]` plus its data block (protocol.txt, "Retrieval command"). */
export interface ValueFrame {
  readonly kind: 'value';
  /** The key as sent on the wire, one char per byte (latin1), prefix included. */
  readonly key: string;
  readonly flags: number;
  /** The cas unique as decimal digits, present for `gets`/`gats` replies. */
  readonly cas: string | undefined;
  /** The data block: the parser's own bytes (never a view of a reused socket buffer). */
  readonly value: Buffer;
}

/** A meta-protocol `VA <size> <flags>*` line plus its data block. */
export interface BlockFrame {
  readonly kind: 'block';
  readonly header: Buffer;
  readonly value: Buffer;
}

/** The `END` line closing a retrieval or stats reply. */
export interface EndFrame {
  readonly kind: 'end';
}

/** `ERROR`, `CLIENT_ERROR <message>` or `SERVER_ERROR <message>`. */
export interface ErrorFrame {
  readonly kind: 'error';
  readonly type: 'ERROR' | 'CLIENT_ERROR' | 'SERVER_ERROR';
  /** Text after the first space, empty for a bare `ERROR`. */
  readonly message: string;
  readonly line: Buffer;
}

/** Any other line (`STORED`, `NOT_FOUND`, `STAT …`, `VERSION …`, a number, `MN`, …), without CRLF. */
export interface LineFrame {
  readonly kind: 'line';
  readonly line: Buffer;
}

/** Every frame the parser can produce, discriminated by `kind`. */
export type Frame = ValueFrame | BlockFrame | EndFrame | ErrorFrame | LineFrame;

/** The one `END` frame; it carries no data, so every reply shares it. */
export const END_FRAME: EndFrame = Object.freeze({ kind: 'end' });

/** Status words common enough to share one frame each (frames are read-only). */
const STATUS_FRAMES: readonly LineFrame[] = ['STORED', 'NOT_STORED', 'EXISTS', 'NOT_FOUND', 'DELETED', 'TOUCHED', 'OK', 'MN'].map(
  (word) => Object.freeze({ kind: 'line', line: Buffer.from(word, 'latin1') }),
);

/** `END` or a common status word between `start` and `end`, as a shared frame; otherwise undefined. */
export function knownLineFrame(buf: Buffer, start: number, end: number): EndFrame | LineFrame | undefined {
  const length = end - start;
  if (length === 3 && buf[start] === 0x45 && buf[start + 1] === 0x4e && buf[start + 2] === 0x44) return END_FRAME;
  if (length > 10) return undefined;
  for (const frame of STATUS_FRAMES) if (frame.line.length === length && sameBytes(frame.line, buf, start)) return frame;
  return undefined;
}

function sameBytes(word: Buffer, buf: Buffer, at: number): boolean {
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

const CRLF = Buffer.from('\r\n', 'latin1');
const END_BYTES = Buffer.from('END\r\n', 'latin1');

/**
 * The bytes a frame was cut from, for `rawCommand`. A `VALUE` header is rebuilt from its fields as
 * memcached writes it (the parser keeps no copy of it).
 */
export function frameBytes(frame: Frame): Buffer[] {
  switch (frame.kind) {
    case 'end':
      return [END_BYTES];
    case 'line':
    case 'error':
      return [frame.line, CRLF];
    case 'value': {
      const cas = frame.cas === undefined ? '' : ` ${frame.cas}`;
      return [Buffer.from(`VALUE ${frame.key} ${frame.flags} ${frame.value.length}${cas}\r\n`, 'latin1'), frame.value, CRLF];
    }
    case 'block':
      return [frame.header, CRLF, frame.value, CRLF];
  }
}
