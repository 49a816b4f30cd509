/**
 * Reads a request's bytes as memcached's text protocol does: a command line up to `\n` (a `\r` before it
 * dropped), split into tokens at spaces (runs of spaces count as one, tabs are part of a token), then,
 * for storage commands, a data block of a declared length followed by `\r\n`.
 */
export class RequestCursor {
  private at = 0;

  constructor(private readonly input: Buffer) {}

  /** Whether every byte has been read. */
  get done(): boolean {
    return this.at >= this.input.length;
  }

  /**
   * The next command line as tokens (latin1: one char per byte), or undefined when the input ends
   * before its `\n`: the server would wait for the rest of it.
   */
  line(): string[] | undefined {
    const end = this.input.indexOf(0x0a, this.at);
    if (end < 0) return undefined;
    const stop = end > this.at && this.input[end - 1] === 0x0d ? end - 1 : end;
    const text = this.input.toString('latin1', this.at, stop);
    this.at = end + 1;
    return text.split(' ').filter((token) => token !== '');
  }

  /**
   * The next `length` bytes and the two after them, which must be `\r\n` (`bad` false) or the block is
   * refused as memcached's "bad data chunk" (`bad` true; the bytes are consumed either way). Undefined
   * when the input ends first.
   */
  block(length: number): { readonly data: Buffer; readonly bad: boolean } | undefined {
    const end = this.at + length + 2;
    if (end > this.input.length) return undefined;
    const data = this.input.subarray(this.at, this.at + length);
    const bad = this.input[end - 2] !== 0x0d || this.input[end - 1] !== 0x0a;
    this.at = end;
    return { data, bad };
  }
}
