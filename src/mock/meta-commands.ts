import { metaArithmetic, metaDelete } from './meta-delta.js';
import { MetaFlagError, MAX_OPAQUE_LENGTH, parseMetaFlags, type MetaRequest } from './meta-flags.js';
import { metaGet } from './meta-get.js';
import type { MetaAnswer, MetaContext } from './meta-reply.js';
import { admitted, metaSet, storeMode } from './meta-set.js';
import { parseI32 } from './text-numbers.js';
import { answer, KEY_MAX_LENGTH, unknown, type Handler, type Outcome, type ReplyWriter } from './text-session.js';

// The meta commands' request lines, checked in the order memcached 1.6.18's proto_text.c checks them
// (each command has its own error texts for the same faults), then run on the store's meta context.
// Token counts exclude memcached's empty terminal token: it refuses 20 tokens or more, terminal included.

const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
const MAX_TOKENS = 19;
const INT_MAX = 2 ** 31 - 1;

/** Writes a meta answer: its line, then its value block; nothing for a quiet success. */
function write(reply: ReplyWriter, result: MetaAnswer): Outcome {
  if (result === undefined) return 'answered';
  reply.line(result.line);
  if (result.data !== undefined) reply.data(result.data);
  return 'answered';
}

/** `mg`, `md`, `ma`: `<cmd> <key> <flags>*`, one line, no data. */
function keyCommand(tooMany: string, flagError: string | undefined, run: (context: MetaContext, request: MetaRequest) => MetaAnswer): Handler {
  return (tokens, session) => {
    if (tokens.length < 2) return unknown(tokens, session);
    const { reply, store } = session;
    if ((tokens[1] as string).length > KEY_MAX_LENGTH) return answer(reply, BAD_FORMAT);
    if (tokens.length > MAX_TOKENS) return answer(reply, tooMany);
    const request = parseMetaFlags(tokens, 2, store.meta.clock, BAD_FORMAT);
    if (request instanceof MetaFlagError) return answer(reply, flagError ?? request.line);
    return write(reply, run(store.meta, request));
  };
}

/** `mg <key> <flags>*`. */
export const metaGetCommand = keyCommand('CLIENT_ERROR options flags are too long', undefined, metaGet);

/** `md <key> <flags>*`: its flag errors all read "invalid or duplicate flag". */
export const metaDeleteCommand = keyCommand('CLIENT_ERROR options flags too long', 'CLIENT_ERROR invalid or duplicate flag', metaDelete);

/** `ma <key> <flags>*`: its flag errors all read "invalid or duplicate flag". */
export const metaArithmeticCommand = keyCommand('CLIENT_ERROR options flags too long', 'CLIENT_ERROR invalid or duplicate flag', metaArithmetic);

/**
 * `ms <key> <datalen> <flags>*` and its data block. A fault found before the data length is known leaves
 * the block unread, so the server reads it as the next command; one found after it (bad flags, mode or
 * opaque, a value too large) swallows the block. This is why a client must drop its connection after a
 * CLIENT_ERROR to `ms`: it cannot tell which happened.
 */
export const metaSetCommand: Handler = (tokens, session) => {
  if (tokens.length < 2) return unknown(tokens, session);
  const { reply, store, cursor } = session;
  if ((tokens[1] as string).length > KEY_MAX_LENGTH || tokens.length === 2) return answer(reply, BAD_FORMAT);
  if (tokens.length > MAX_TOKENS) return answer(reply, 'CLIENT_ERROR options flags too long');
  const length = parseI32(tokens[2] as string);
  if (length === undefined || length < 0 || length > INT_MAX - 2) return answer(reply, BAD_FORMAT);
  const request = parseMetaFlags(tokens, 3, store.meta.clock, BAD_FORMAT);
  const refusal = request instanceof MetaFlagError ? request.line : refused(store.meta, request, length);
  if (refusal !== undefined) {
    reply.line(refusal);
    return cursor.block(length) === undefined ? 'incomplete' : 'answered';
  }
  const block = cursor.block(length);
  if (block === undefined) return 'incomplete';
  if (block.bad) {
    store.badChunk();
    return answer(reply, 'CLIENT_ERROR bad data chunk');
  }
  return write(reply, metaSet(store.meta, request as MetaRequest, storeMode(request as MetaRequest) ?? 'set', block.data));
};

/** Why memcached refuses an `ms` whose flags it read, in its order of checks; undefined when it takes it. */
function refused(context: MetaContext, request: MetaRequest, length: number): string | undefined {
  if (storeMode(request) === undefined) return 'CLIENT_ERROR invalid mode for ms M token';
  if (request.tokens.some((token) => token[0] === 'O' && token.length > MAX_OPAQUE_LENGTH)) return 'CLIENT_ERROR opaque token too long';
  if (!admitted(context, request, length)) return 'SERVER_ERROR object too large for cache';
  return undefined;
}
