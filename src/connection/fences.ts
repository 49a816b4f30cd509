import type { Entry } from './entry.js';
import { SENTINEL_BYTES, SentinelReader, type SentinelEvents } from './sentinel.js';

/**
 * The `mn` fences a connection places after runs of commands that get no reply (noreply) or may get
 * none (quiet). Memcached answers in order, so the `MN` closes the run: an error line inside it belongs
 * to the run, never to a later command, and a quiet command the stream passed over was silent, which is
 * its success. A server that answers `mn` with `ERROR` turns off the fences after noreply runs.
 */
export class Fences {
  private on: boolean;
  /** Whether this connection's server has answered an `mn`: then it knows meta commands. */
  private answered = false;
  /** Told to the sentinels, which hear it while a frame is read (see `SentinelEvents`). */
  private readonly events: SentinelEvents;

  /**
   * @param on place `mn` after noreply runs (off for proxies that do not know it, e.g. twemproxy; a
   *   proxy answers noreply errors itself, so nothing can cross to the next reply there).
   */
  constructor(events: SentinelEvents, private readonly label: string, on: boolean) {
    this.on = on;
    this.events = {
      noreplyError: events.noreplyError,
      unsupported: (error) => {
        if (!this.on) return;
        this.on = false;
        events.unsupported(error);
      },
    };
  }

  /**
   * The fence that closes a run, if it gets one: a quiet run always (its `MN` is what proves the silent
   * commands succeeded), a noreply run while fences are on. It has nobody to settle; it borrows its run's
   * deadline so that a silent server is still noticed.
   */
  after(run: 'noreply' | 'quiet', now: number, received: number, deadline: number): Entry | undefined {
    if (run === 'noreply' && !this.on) return undefined;
    return {
      parts: [SENTINEL_BYTES],
      reader: new SentinelReader(this.events, this.label),
      size: 0,
      deadline,
      state: 'detached',
      writtenAt: now,
      written: true,
      mark: received,
      settle: () => undefined,
      fail: () => undefined,
    };
  }

  /** `entry`'s reply is complete: if it was a fence, the server knows `mn`. */
  answer(entry: Entry): void {
    if (entry.reader instanceof SentinelReader && this.on) this.answered = true;
  }

  /** Whether `head` (the oldest reply owed) is a fence, and this server has never answered one. */
  unproven(head: Entry | undefined): boolean {
    return !this.answered && head?.reader instanceof SentinelReader;
  }
}
