import type { ErrorFrame } from '../protocol/frames.js';
import { attribute, type Refusal } from '../protocol/quiet-attribution.js';
import { MemcacheServerError, MemcacheUnknownError } from '../errors.js';
import type { Entry } from './entry.js';

/** What a command expects back: a reply (undefined), nothing (noreply), or maybe nothing (quiet). */
export type Silence = 'noreply' | 'quiet' | undefined;

/** What `entry` expects back: a quiet command's reader says which frames are its replies (`claims`). */
export function silence(entry: Entry): Silence {
  if (entry.reader === undefined) return 'noreply';
  return entry.reader.claims === undefined ? undefined : 'quiet';
}

/**
 * Error lines inside a run of quiet commands, and the commands that may have sent them.
 *
 * An error line carries no opaque token, but memcached answers in request order and a quiet command
 * answers with at most one line. So a line that comes while the oldest command owed a reply is quiet
 * belongs to one of the quiet commands from that one on, up to the command whose reply (or the fence's
 * `MN`) comes next. The window opens with the line; each quiet command the stream then passes over
 * silently joins it; the next attributable reply closes it, and only then is it known whose line it was:
 *
 *   … answered │ q₁ q₂ q₃ (silent, joined) │ q₄ answers / MN  → the line is q₁'s, q₂'s or q₃'s
 *
 * A line no command ahead in the run could have sent (see `ReplyReader.refusal`) puts the stream in doubt
 * and throws at once, as does a window that closes with more lines than commands that could have sent them.
 */
export class QuietWindow {
  private errors: ErrorFrame[] = [];
  private candidates: Entry[] = [];

  /** Whether an error line waits for its window to close. */
  get open(): boolean {
    return this.errors.length > 0;
  }

  /** Commands out of the awaiting line, waiting for the window to close: they still count as in flight. */
  get entries(): readonly Entry[] {
    return this.candidates;
  }

  /**
   * An error line came while the oldest reply owed is a quiet command's. `ahead`: the awaiting line from
   * that command on, in order; only the quiet commands before the first answered one can be its sender.
   * @throws MemcacheUnknownError when none of them could have sent it without the stream going out of step.
   */
  note(frame: ErrorFrame, ahead: Iterable<Entry>): void {
    for (const entry of ahead) {
      if (entry.reader?.claims === undefined) break;
      if (entry.reader.refusal?.(frame) !== undefined) {
        this.errors.push(frame);
        return;
      }
    }
    throw new MemcacheUnknownError(`an error reply inside a run of quiet commands that none of them can have sent in step: ${text(frame)}`);
  }

  /** A quiet command the stream passed over while the window is open: silent, or the line's sender. */
  join(entry: Entry): void {
    this.candidates.push(entry);
  }

  /** The connection is gone before the window closed: its candidates, to fail with the connection. */
  abandon(): Entry[] {
    const candidates = this.candidates;
    this.errors = [];
    this.candidates = [];
    return candidates;
  }

  /**
   * The next attributable reply came: decides whose the lines were. Returns the candidates still waiting
   * for an outcome, in order, to be settled: a refused one has read its line; one that may or may not be
   * the refused one settles as a failure (never a success that may be false); the rest succeeded silently.
   * @throws MemcacheUnknownError when the lines cannot all be theirs (the stream is out of step).
   */
  close(): Entry[] {
    // Attributed and read before the window resets: if that throws, the candidates fail with the connection.
    const verdicts = attribute(this.errors, this.candidates.map((entry): Refusal => (frame) => entry.reader?.refusal?.(frame)));
    this.candidates.forEach((entry, i) => {
      const verdict = verdicts[i];
      // Read even by a detached command: its reader is the one that knows its line.
      if (verdict !== undefined && !(verdict instanceof MemcacheServerError)) entry.reader?.read(verdict);
    });
    const settled: Entry[] = [];
    this.abandon().forEach((entry, i) => {
      if (entry.state !== 'written') return;
      const verdict = verdicts[i];
      // The connection settles what it is handed; this one settles as the failure decided here.
      settled.push(verdict instanceof MemcacheServerError ? { ...entry, settle: () => entry.fail(verdict) } : entry);
      entry.state = 'done';
    });
    return settled;
  }
}

function text(frame: ErrorFrame): string {
  return frame.line.toString('latin1');
}
