import { MemcacheUnknownCommandError, MemcacheUnknownError } from '../errors.js';
import type { Frame } from '../protocol/frames.js';
import type { ReplyReader } from '../protocol/request.js';

// memcached answers `mn` (meta no-op, ≥ 1.5.19) with `MN`: placed after a run of noreply commands it marks
// where their (normally absent) error replies end, so an error they provoke can never be read as the
// reply of a later command.
export const SENTINEL_BYTES = 'mn\r\n';

/** What a sentinel learned about the server while waiting for its `MN`. */
export interface SentinelEvents {
  /** An error the server sent for one of the noreply commands before the `MN`. */
  readonly noreplyError: (frame: Frame) => void;
  /** The server answered `mn` with a bare `ERROR`: it does not know meta commands. */
  readonly unsupported: (error: MemcacheUnknownCommandError) => void;
}

/**
 * Reads the frames that follow a noreply run up to its `MN`. A bare `ERROR` is the answer of a server
 * that does not know `mn` (memcached before 1.5.19, some proxies): our noreply commands are validated,
 * so none of them provokes a bare `ERROR` itself. That answer ends the sentinel like an `MN` would, and
 * the connection stops sending sentinels.
 */
export class SentinelReader implements ReplyReader<void> {
  constructor(
    private readonly events: SentinelEvents,
    private readonly label: string,
  ) {}

  read(frame: Frame): boolean {
    if (frame.kind === 'line' && frame.line.length === 2 && frame.line[0] === 0x4d && frame.line[1] === 0x4e) return true;
    if (frame.kind === 'error' && frame.type === 'ERROR' && frame.message === '') {
      this.events.unsupported(
        new MemcacheUnknownCommandError(
          `${this.label} does not know the meta no-op \`mn\` that follows noreply commands; sentinels are off for this ` +
            'connection, so an error the server sends for a noreply command could reach a later command — ' +
            'set noreplySentinel: false for this server to say so up front',
        ),
      );
      return true;
    }
    if (frame.kind === 'error') {
      this.events.noreplyError(frame);
      return false;
    }
    throw new MemcacheUnknownError(
      `unexpected ${frame.kind} frame after a noreply command, where ${this.label}'s \`mn\` answer was due ` +
        '(behind a proxy without meta commands, set noreplySentinel: false)',
    );
  }

  result(): void {}
}
