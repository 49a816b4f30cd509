import type { BlockFrame, ErrorFrame, Frame, LineFrame, ValueFrame } from './frames.js';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Stands in for bytes still in the caller's chunk until `CutFrames.flush` copies them out. */
const PLACEHOLDER = Buffer.alloc(0);

/**
 * Frames cut in place from a chunk the caller will reuse, held back until the end of the chunk so that
 * their bytes leave it in one piece: one allocation and one copy per chunk, not one per value. Only
 * bytes of complete frames are copied here; an unfinished tail is the parser's to keep.
 */
export class CutFrames {
  private readonly frames: Frame[] = [];
  /** `from, to` offsets in the chunk, for each placeholder in frame order. */
  private readonly spans: number[] = [];

  /** Notes where a frame's bytes lie; the frame stores the returned placeholder until `flush`. */
  span(from: number, to: number): Buffer {
    this.spans.push(from, to);
    return PLACEHOLDER;
  }

  push(frame: Frame): void {
    this.frames.push(frame);
  }

  /** Copies the noted bytes of `chunk`, puts them in place of the placeholders, and emits in order. */
  flush(chunk: Buffer, emit: (frame: Frame) => void): void {
    const { frames, spans } = this;
    if (frames.length === 0) return;
    const lo = spans[0] ?? 0;
    const own = copyOf(chunk, lo, spans[spans.length - 1] ?? 0);
    let at = 0;
    const next = (): Buffer => {
      const bytes = own.subarray((spans[at] ?? 0) - lo, (spans[at + 1] ?? 0) - lo);
      at += 2;
      return bytes;
    };
    try {
      for (const frame of frames) emit(fill(frame, next));
    } finally {
      frames.length = 0;
      spans.length = 0;
    }
  }
}

function fill(frame: Frame, next: () => Buffer): Frame {
  if ((frame.kind === 'value' || frame.kind === 'block') && frame.value === PLACEHOLDER) {
    (frame as Writable<ValueFrame | BlockFrame>).value = next();
  } else if ((frame.kind === 'line' || frame.kind === 'error') && frame.line === PLACEHOLDER) {
    (frame as Writable<LineFrame | ErrorFrame>).line = next();
  }
  return frame;
}

/** A copy of `source[from, to)` that shares no memory with it. */
export function copyOf(source: Buffer, from: number, to: number): Buffer {
  const copy = Buffer.allocUnsafe(to - from);
  source.copy(copy, 0, from, to);
  return copy;
}
