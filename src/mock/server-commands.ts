import { generalStats, MOCK_VERSION, settingsStats, type ServerClock } from './server-stats.js';
import { parseI32, parseU32 } from './text-numbers.js';
import { answer, noreplyMaybe, unknown, type Handler } from './text-session.js';

// Server-wide commands as memcached 1.6.18 answers them (probed against a real one; see
// test/mock/text-server.wire.test.ts). Token counts exclude memcached's empty terminal token.

/** memcached's `MAX_VERBOSITY_LEVEL`. */
const MAX_VERBOSITY = 2;
const MB = 1024 * 1024;

/** `flush_all [delay] [noreply]` → OK. */
export const flushAll: Handler = (tokens, session) => {
  if (tokens.length > 3) return unknown(tokens, session);
  const { reply, store } = session;
  const noreply = noreplyMaybe(tokens, reply);
  let delay = 0;
  if (tokens.length !== (noreply ? 2 : 1)) {
    const parsed = parseI32(tokens[1] as string);
    if (parsed === undefined) return answer(reply, 'CLIENT_ERROR invalid exptime argument');
    delay = parsed;
  }
  store.flushAll(delay);
  return answer(reply, 'OK');
};

/** `version` (any further tokens ignored). */
export const version: Handler = (_tokens, { reply }) => answer(reply, `VERSION ${MOCK_VERSION}`);

/** The meta no-op, which our client places after noreply runs: `MN`. */
export const metaNoop: Handler = (_tokens, { reply }) => answer(reply, 'MN');

/** `quit`: the server closes the connection without a word. */
export const quit: Handler = () => 'hangup';

/** `shutdown [graceful]`: refused, as by a memcached started without `-A`. */
export const shutdown: Handler = (_tokens, { reply }) => answer(reply, 'ERROR: shutdown not enabled');

/** `verbosity <level> [noreply]` → OK; the level shows in `stats settings`. */
export const verbosity: Handler = (tokens, session) => {
  if (tokens.length !== 2 && tokens.length !== 3) return unknown(tokens, session);
  const { reply, state } = session;
  noreplyMaybe(tokens, reply);
  const level = parseU32(tokens[1] as string);
  if (level === undefined) return answer(reply, 'CLIENT_ERROR bad command line format');
  state.verbosity = Math.min(level, MAX_VERBOSITY);
  return answer(reply, 'OK');
};

/**
 * `cache_memlimit <megabytes> [noreply]` → OK, and `limit_maxbytes` follows. The store has no memory
 * limit to apply it to (it never evicts); only the reported number changes.
 */
export const cacheMemlimit: Handler = (tokens, session) => {
  if (tokens.length !== 2 && tokens.length !== 3) return unknown(tokens, session);
  const { reply, state } = session;
  noreplyMaybe(tokens, reply);
  const megabytes = parseU32(tokens[1] as string);
  if (megabytes === undefined) return answer(reply, 'ERROR');
  if (megabytes < 8) return answer(reply, 'MEMLIMIT_TOO_SMALL cannot set maxbytes to less than 8m');
  if (megabytes > 1_000_000_000) return answer(reply, 'MEMLIMIT_ADJUST_FAILED input value is megabytes not bytes');
  state.limitMaxbytes = megabytes * MB;
  return answer(reply, 'OK');
};

/**
 * `stats`, `stats settings` and `stats reset`. Every other argument (`items`, `slabs`, `sizes`, `conns`,
 * `detail`, `cachedump`, …) describes memory layout or connections the mock does not have: it answers
 * `ERROR`, as memcached does for an argument it does not know, so a test that relies on one fails loudly
 * instead of reading an empty answer as the truth.
 */
export function stats(clock: ServerClock): Handler {
  return (tokens, { reply, store, state }) => {
    const sub = tokens[1];
    if (sub === 'reset') {
      store.resetStats();
      state.bytesRead = 0;
      state.bytesWritten = 0;
      state.totalConnections = 0;
      return answer(reply, 'RESET');
    }
    const lines = sub === undefined ? generalStats(store.stats(), state, clock) : sub === 'settings' ? settingsStats(state) : undefined;
    if (lines === undefined) return answer(reply, 'ERROR');
    for (const [name, value] of lines) reply.line(`STAT ${name} ${value}`);
    return answer(reply, 'END');
  };
}
