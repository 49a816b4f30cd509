import { MemcacheUnknownError, type MemcacheError } from '../errors.js';
import { frameBytes, type Frame } from '../protocol/frames.js';
import type { ReplyReader } from '../protocol/request.js';
import { errorFromFrame } from './readers.js';

/**
 * Lines that memcached sends as pieces of a longer reply, which goes on until an `END` (or `EN` for
 * `lru_crawler mgdump`): `STAT` (stats), `ITEM` (stats cachedump), `PREFIX` (stats detail dump), `key=`
 * (lru_crawler metadump), `mg ` (lru_crawler mgdump). Every other line is a whole reply by itself.
 */
const CONTINUED = ['STAT ', 'ITEM ', 'PREFIX ', 'key=', 'mg '].map((word) => Buffer.from(word, 'latin1'));

/** Whether `frame` ends a reply by memcached's reply grammar (protocol.txt), whatever was asked. */
export function endsReply(frame: Frame): boolean {
  if (frame.kind === 'value') return false;
  if (frame.kind !== 'line') return true;
  return !CONTINUED.some((word) => frame.line.length >= word.length && frame.line.subarray(0, word.length).equals(word));
}

function isNoopReply(frame: Frame): boolean {
  return frame.kind === 'line' && frame.line.length === 2 && frame.line[0] === 0x4d && frame.line[1] === 0x4e;
}

/**
 * Reads a `rawCommand` reply. The caller's `endTokens` say where the bytes it wants end, but a guess
 * that never matches must not make it read the replies of the commands behind it, so the reply's own end
 * is found independently of them:
 * - `fenced`: the request was followed by `mn` (a server known to speak meta), and the reply ends at
 *   its `MN`, which nothing else a server sends looks like;
 * - otherwise at the first frame that ends a reply in memcached's grammar (`endsReply`).
 * What comes after the first frame boundary where the bytes end in `endTokens` is read and dropped. A
 * reply that ended without them fails with `MemcacheUnknownError`; the connection stays in step.
 */
export class RawReader implements ReplyReader<Buffer> {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  /** The last `endTokens.length` bytes read, to test the end without joining every chunk. */
  private tail: Buffer = Buffer.alloc(0);
  private matched = false;
  private error: MemcacheError | undefined;
  /** The frame that ended the reply, for the error when the end tokens never came. */
  private ending = '';

  constructor(
    private readonly endTokens: Buffer,
    private readonly fenced: boolean,
  ) {}

  read(frame: Frame): boolean {
    if (this.fenced && isNoopReply(frame)) return true;
    if (frame.kind === 'error') this.error ??= errorFromFrame(frame);
    else if (!this.matched && this.error === undefined) this.collect(frame);
    if (this.fenced || (this.error === undefined && !endsReply(frame))) return false;
    this.ending = Buffer.concat(frameBytes(frame)).subarray(0, 32).toString('latin1').trimEnd();
    return true;
  }

  result(): Buffer {
    if (this.error !== undefined) throw this.error;
    const bytes = Buffer.concat(this.chunks, this.length);
    if (this.matched) return bytes.subarray(0, bytes.length - this.endTokens.length);
    const where = this.fenced ? 'at the MN of the mn sent after it' : `at ${JSON.stringify(this.ending)}`;
    throw new MemcacheUnknownError(
      `the reply to rawCommand ended (${where}) without the end tokens ${JSON.stringify(this.endTokens.toString('latin1'))}; ` +
        `it began ${JSON.stringify(bytes.subarray(0, 64).toString('latin1'))}`,
    );
  }

  private collect(frame: Frame): void {
    const n = this.endTokens.length;
    for (const bytes of frameBytes(frame)) {
      this.chunks.push(bytes);
      this.length += bytes.length;
      this.tail = bytes.length >= n ? bytes.subarray(bytes.length - n) : Buffer.concat([this.tail, bytes]).subarray(Math.max(0, this.tail.length + bytes.length - n));
    }
    this.matched = this.tail.length === n && this.tail.equals(this.endTokens);
  }
}
