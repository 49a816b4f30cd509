import type { TeardownLogic } from 'rxjs';
import type { Sink } from '../client/command.js';
import type { MetaForm } from '../connection/entry.js';
import type { Lane, LaneTicket } from '../connection/lane.js';
import { MemcacheUnexpectedCloseError } from '../errors.js';
import type { Request } from '../protocol/request.js';
import type { Call } from './call.js';
import type { TraceEnd } from './tracer.js';

/** A call sent as meta (`protocol: 'auto'`): the belief it was sent under, and its text form, built or to be built. */
export interface TextForm<T> {
  readonly belief: { readonly holds: boolean };
  readonly text: Request<T> | (() => Request<T>);
}

/**
 * Fails a call: with its `hangUp` result when the server closing the connection is its success
 * (`shutdown`), else with the error. Traced either way.
 */
export function failCall<T>(call: Call<T>, sink: Sink<T>, done: TraceEnd | undefined, error: unknown): void {
  if (call.hangUp !== undefined && error instanceof MemcacheUnexpectedCloseError) {
    done?.(undefined);
    sink.next(call.hangUp);
    sink.complete();
    return;
  }
  done?.(error);
  sink.error(error);
}

/**
 * Runs `sent` (a form of `call`'s request) on `lane`, settling `sink` exactly once: with what its reader
 * read (or, noreply, the value it resolves to once written), or with its error, after `sink.unsent` when
 * not a byte of it was written. `meta`: see `MetaForm`; the reader that settles it is then the one of the
 * form actually written. Returns what cancels it.
 */
export function runOnLane<T>(lane: Lane, call: Call<T>, sent: Request<T>, sink: Sink<T>, done: TraceEnd | undefined, deadline?: number, meta?: TextForm<T>): TeardownLogic {
  let request = sent;
  let reader = request.reader?.();
  const settle = (): void => {
    let value: T;
    try {
      value = reader === undefined ? (request.noreplyValue as T) : reader.result();
    } catch (error) {
      failCall(call, sink, done, error);
      return;
    }
    done?.(undefined);
    sink.next(value);
    sink.complete();
  };
  const metaForm: MetaForm | undefined =
    meta === undefined
      ? undefined
      : {
          belief: meta.belief,
          text: () => {
            request = typeof meta.text === 'function' ? meta.text() : meta.text;
            reader = request.reader?.();
            return { parts: request.parts, reader };
          },
        };
  // A refusal fails the command inside submit, before there is a ticket: surely not written.
  let ticket: LaneTicket | undefined;
  ticket = lane.submit(
    request.parts,
    reader,
    settle,
    (error) => {
      if (ticket === undefined || !lane.written(ticket)) sink.unsent?.();
      failCall(call, sink, done, error);
    },
    deadline,
    metaForm,
  );
  const submitted = ticket;
  return () => {
    lane.cancel(submitted);
    done?.cancel();
  };
}
