import type { Entry } from './entry.js';

/*
 * When a connection's commands time out, and when the connection itself must go: pure functions of the
 * commands and the clock, asked by the connection's one alarm (no timers here). `head` is the oldest
 * command owed a reply; `received` counts the chunks read so far, so an unchanged count since a command
 * was written (`Entry.mark`) means not a byte has come since.
 */

/**
 * Written commands past their deadline stay in line for their reply, marked expired, with `grace` ms
 * more to receive it; those a subscriber still waited for are added to `failed`.
 */
export function expireWritten(written: Iterable<Entry>, now: number, grace: number, failed: Entry[]): void {
  for (const entry of written) {
    if ((entry.state !== 'written' && entry.state !== 'detached') || entry.deadline > now) continue;
    if (entry.state === 'written') failed.push(entry);
    entry.state = 'expired';
    entry.deadline = now + grace;
  }
}

/**
 * Why the connection must go, if it must: the oldest reply owed has not had a single byte for `silence`
 * ms since it was written (`silent`: a dead server or path), or a command that already timed out still
 * has not had its reply after its grace (`slow`: a server trickling or stalling so that everything
 * behind it would time out too). Bytes that keep arriving are never silence.
 */
export function stuck(head: Entry | undefined, written: Iterable<Entry>, now: number, received: number, silence: number): 'silent' | 'slow' | undefined {
  const silent = silentAt(head, received, silence);
  if (silent !== undefined && silent <= now) return 'silent';
  for (const entry of written) if (entry.state === 'expired' && entry.deadline <= now) return 'slow';
  return undefined;
}

/** The earliest time anything must be checked (a deadline, or when silence would be reached), or undefined. */
export function nextCheck(head: Entry | undefined, lists: Iterable<Iterable<Entry>>, received: number, silence: number): number | undefined {
  let next = silentAt(head, received, silence);
  for (const list of lists) {
    for (const entry of list) {
      const live = entry.state !== 'cancelled' && entry.state !== 'done';
      if (live && (next === undefined || entry.deadline < next)) next = entry.deadline;
    }
  }
  return next;
}

/**
 * The oldest reply owed is overdue and not a byte has come since it was written: the connection may be
 * dead. Nothing more is written to it until a byte arrives; if none does, it is dropped and what waits
 * goes to the next connection instead of failing with it.
 */
export function suspect(head: Entry | undefined, received: number): boolean {
  return head !== undefined && head.state === 'expired' && head.mark === received;
}

/** When the oldest reply owed counts as silent, if no chunk has come since it was written. */
function silentAt(head: Entry | undefined, received: number, silence: number): number | undefined {
  return head === undefined || received !== head.mark ? undefined : head.writtenAt + silence;
}
