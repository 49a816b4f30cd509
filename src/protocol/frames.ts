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
  /** The data block, a view into the received bytes (no copy). */
  readonly value: Buffer;
  /** The header line without its CRLF; kept so raw commands can return exact bytes. */
  readonly header: Buffer;
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

const CRLF = Buffer.from('\r\n', 'latin1');
const END_BYTES = Buffer.from('END\r\n', 'latin1');

/** The exact bytes a frame was cut from, for `rawCommand`. */
export function frameBytes(frame: Frame): Buffer[] {
  switch (frame.kind) {
    case 'end':
      return [END_BYTES];
    case 'line':
      return [frame.line, CRLF];
    case 'error':
      return [frame.line, CRLF];
    case 'value':
    case 'block':
      return [frame.header, CRLF, frame.value, CRLF];
  }
}
