import { MemcacheClientError, MemcacheServerError } from '../errors.js';
import { parseI32, parseU32, parseU64 } from './text-numbers.js';
import { answer, badKey, noreplyMaybe, unknown, type Handler, type Outcome, type ReplyWriter } from './text-session.js';

// The commands on items, as memcached 1.6.18's proto_text.c reads them (token counts, the order of its
// checks, its error lines), run on the in-memory store. Token counts here exclude the empty terminal
// token memcached's tokenizer adds: `set` takes 5 or 6 tokens where the C code says 6 or 7.

const BAD_FORMAT = 'CLIENT_ERROR bad command line format';
const BAD_EXPTIME = 'CLIENT_ERROR invalid exptime argument';
const INT_MAX = 2 ** 31 - 1;

/** The store's refusals as the server's error lines; anything else is a bug and propagates. */
function storeAnswer(reply: ReplyWriter, run: () => string): Outcome {
  let line: string;
  try {
    line = run();
  } catch (error) {
    if (error instanceof MemcacheServerError) line = `SERVER_ERROR ${error.message}`;
    else if (error instanceof MemcacheClientError) line = `CLIENT_ERROR ${error.message}`;
    else throw error;
  }
  return answer(reply, line);
}

/**
 * `<verb> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]` and its data block ("Storage
 * commands"). A bad command line leaves the data block unread, so the server reads it as the next command.
 */
export const storage: Handler = (tokens, session) => {
  const [verb, key, flagsToken = '', exptimeToken = '', lengthToken = '', uniqueToken = ''] = tokens;
  const cas = verb === 'cas';
  if (tokens.length !== (cas ? 6 : 5) && tokens.length !== (cas ? 7 : 6)) return unknown(tokens, session);
  const { reply, store, cursor } = session;
  noreplyMaybe(tokens, reply);
  if (badKey(key)) return answer(reply, BAD_FORMAT);
  const flags = parseU32(flagsToken);
  const exptime = parseI32(exptimeToken);
  const length = parseI32(lengthToken);
  const unique = cas ? parseU64(uniqueToken) : 0n;
  if (flags === undefined || exptime === undefined || length === undefined || unique === undefined) return answer(reply, BAD_FORMAT);
  if (length < 0 || length > INT_MAX - 2) return answer(reply, BAD_FORMAT);
  const block = cursor.block(length);
  if (block === undefined) return 'incomplete';
  if (block.bad) {
    store.badChunk();
    return answer(reply, 'CLIENT_ERROR bad data chunk');
  }
  const wireKey = key as string;
  return storeAnswer(reply, () =>
    verb === 'cas'
      ? store.cas(wireKey, block.data, flags, exptime, unique)
      : store.store(verb as 'set' | 'add' | 'replace' | 'append' | 'prepend', wireKey, block.data, flags, exptime),
  );
};

/**
 * `get|gets <key>*` and `gat|gats <exptime> <key>*` ("Retrieval command"). A key too long anywhere in
 * the line replaces the whole reply with the error (probed), after the keys before it were looked up.
 */
export function retrieval(withCas: boolean, touching: boolean): Handler {
  return (tokens, session) => {
    if (tokens.length < 2) return unknown(tokens, session);
    const { reply, store } = session;
    const exptime = touching ? parseI32(tokens[1] as string) : 0;
    if (exptime === undefined) return answer(reply, BAD_EXPTIME);
    const keys = tokens.slice(touching ? 2 : 1);
    const bad = keys.findIndex((key) => badKey(key));
    const looked = bad < 0 ? keys : keys.slice(0, bad);
    const hits = touching ? store.gat(exptime, looked) : store.get(looked);
    if (bad >= 0) return answer(reply, BAD_FORMAT);
    for (const hit of hits) reply.value(hit, withCas);
    return answer(reply, 'END');
  };
}

/** `delete <key> [0] [noreply]`: the legacy hold time is accepted only as `0`. */
export const deletion: Handler = (tokens, session) => {
  if (tokens.length < 2 || tokens.length > 4) return unknown(tokens, session);
  const { reply, store } = session;
  if (tokens.length > 2) {
    const holdIsZero = tokens[2] === '0';
    const noreply = noreplyMaybe(tokens, reply);
    const valid = tokens.length === 3 ? holdIsZero || noreply : holdIsZero && noreply;
    if (!valid) return answer(reply, `${BAD_FORMAT}.  Usage: delete <key> [noreply]`);
  }
  const key = tokens[1] as string;
  if (badKey(key)) return answer(reply, BAD_FORMAT);
  return answer(reply, store.delete(key));
};

/** `incr|decr <key> <delta> [noreply]` → the new value, NOT_FOUND, or the store's non-numeric error. */
export const arithmetic: Handler = (tokens, session) => {
  if (tokens.length !== 3 && tokens.length !== 4) return unknown(tokens, session);
  const { reply, store } = session;
  noreplyMaybe(tokens, reply);
  const key = tokens[1] as string;
  if (badKey(key)) return answer(reply, BAD_FORMAT);
  const delta = parseU64(tokens[2] as string);
  if (delta === undefined) return answer(reply, 'CLIENT_ERROR invalid numeric delta argument');
  return storeAnswer(reply, () => String(store.incr(key, delta, tokens[0] === 'incr')));
};

/** `touch <key> <exptime> [noreply]` → TOUCHED / NOT_FOUND. */
export const touch: Handler = (tokens, session) => {
  if (tokens.length !== 3 && tokens.length !== 4) return unknown(tokens, session);
  const { reply, store } = session;
  noreplyMaybe(tokens, reply);
  const key = tokens[1] as string;
  if (badKey(key)) return answer(reply, BAD_FORMAT);
  const exptime = parseI32(tokens[2] as string);
  if (exptime === undefined) return answer(reply, BAD_EXPTIME);
  return answer(reply, store.touch(key, exptime));
};
