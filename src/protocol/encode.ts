import type { WirePart } from './request.js';

/** Values at least this large are written as they are instead of being copied into the batch buffer. */
export const LARGE_PART = 16 * 1024;

/** True when a request carries a value big enough that batching it with others gains nothing. */
export function hasLargePart(parts: readonly WirePart[]): boolean {
  for (const part of parts) if (typeof part !== 'string' && part.length >= LARGE_PART) return true;
  return false;
}

/** Bytes a request puts on the wire (strings are latin1: one byte per char). */
export function wireSize(parts: readonly WirePart[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.length;
  return bytes;
}

/**
 * Turns a batch of request parts into as few buffers as possible: small parts (command lines, small
 * values) are packed into one buffer, large values pass through uncopied. Strings are latin1, one byte
 * per char, as `wireKey` produced them.
 */
export function packParts(parts: readonly WirePart[]): Buffer[] {
  const out: Buffer[] = [];
  let runStart = 0;
  let runBytes = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as WirePart;
    if (typeof part !== 'string' && part.length >= LARGE_PART) {
      if (runBytes > 0) out.push(packRun(parts, runStart, i, runBytes));
      out.push(Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.length));
      runStart = i + 1;
      runBytes = 0;
    } else {
      runBytes += part.length;
    }
  }
  if (runBytes > 0) out.push(packRun(parts, runStart, parts.length, runBytes));
  return out;
}

function packRun(parts: readonly WirePart[], from: number, to: number, bytes: number): Buffer {
  const buf = Buffer.allocUnsafe(bytes);
  let at = 0;
  for (let i = from; i < to; i++) {
    const part = parts[i] as WirePart;
    if (typeof part === 'string') at += buf.write(part, at, 'latin1');
    else {
      buf.set(part, at);
      at += part.length;
    }
  }
  return buf;
}
