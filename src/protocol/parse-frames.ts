import { Observable, type OperatorFunction } from 'rxjs';
import type { Frame } from './frames.js';
import { ResponseParser, type ParserLimits, DEFAULT_PARSER_LIMITS } from './parser.js';

/**
 * The parser as an RxJS operator: socket chunks in, frames out. A parse failure errors the stream (the
 * connection is then torn down); a complete source completes it.
 *
 * @example
 * ```ts
 * bytes$.pipe(parseFrames()).subscribe((frame) => console.log(frame.kind));
 * ```
 */
export function parseFrames(limits: ParserLimits = DEFAULT_PARSER_LIMITS): OperatorFunction<Buffer, Frame> {
  return (source) =>
    new Observable<Frame>((subscriber) => {
      // One parser per subscription: its retained buffer belongs to this stream only.
      const parser = new ResponseParser(limits);
      const emit = (frame: Frame): void => {
        if (!subscriber.closed) subscriber.next(frame);
      };
      return source.subscribe({
        next(chunk) {
          try {
            parser.feed(chunk, emit);
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
    });
}
