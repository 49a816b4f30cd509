import type { MemcacheError } from '../errors.js';
import type { ReplyReader, WirePart } from '../protocol/request.js';
import type { Entry } from './command-queue.js';

/** A first exchange on every new connection (authentication). */
export interface Handshake {
  readonly parts: readonly WirePart[];
  readonly reader: () => ReplyReader<unknown>;
  /** The error that fails the connection when the reply is an error. */
  readonly failure: (cause: unknown) => MemcacheError;
}

/**
 * The queue entry that carries a handshake: it goes ahead of everything, and its reply decides
 * whether the connection is up (`accepted`) or must go (`rejected`). Losing the connection already fails
 * everything behind it, so its own failure needs no handling.
 */
export function handshakeEntry(
  handshake: Handshake,
  deadline: number,
  accepted: () => void,
  rejected: (error: MemcacheError) => void,
): Entry {
  const reader = handshake.reader();
  return {
    parts: handshake.parts,
    reader,
    size: 0,
    perLink: true,
    deadline,
    state: 'queued',
    writtenAt: 0,
    written: false,
    mark: 0,
    settle: () => {
      try {
        reader.result();
      } catch (cause) {
        rejected(handshake.failure(cause));
        return;
      }
      accepted();
    },
    fail: () => undefined,
  };
}
