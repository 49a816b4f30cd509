import type { TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import { MemcacheClosedError, MemcacheClusterError, MemcacheIllegalInputError } from '../errors.js';
import type { Call } from './call.js';
import { WrappingExecutor } from './executor.js';

/**
 * `ignoreExc`: a read that fails resolves as its miss (for a batch or every-server read that partly
 * failed, with what the healthy servers answered). Writes still fail, so nobody believes in a write that
 * did not happen; bad input and a closed client are the caller's doing, never a miss.
 */
export class LenientExecutor extends WrappingExecutor {
  execute<T>(call: Call<T>, sink: Sink<T>): TeardownLogic {
    const miss = call.miss;
    if (miss === undefined) return this.inner.execute(call, sink);
    return this.inner.execute(call, lenientSink(sink, miss));
  }

  broadcast<T>(call: Call<T>, sink: Sink<Map<string, T>>): TeardownLogic {
    if (!call.info.read) return this.inner.broadcast(call, sink);
    return this.inner.broadcast(call, lenientSink(sink, () => new Map<string, T>()));
  }
}

function lenientSink<T>(sink: Sink<T>, miss: () => T): Sink<T> {
  return {
    next: (value) => sink.next(value),
    error: (error) => {
      if (!isLenient(error)) {
        sink.error(error);
        return;
      }
      sink.next(error instanceof MemcacheClusterError ? (error.partial as T) : miss());
      sink.complete();
    },
    complete: () => sink.complete(),
    unsent: () => sink.unsent?.(),
  };
}

/** Whether ignoreExc turns this failure of a read into a miss: never for bad input or a closed client. */
function isLenient(error: unknown): boolean {
  return !(error instanceof MemcacheIllegalInputError) && !(error instanceof MemcacheClosedError);
}
