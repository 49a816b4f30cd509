import { bufferCount, defer, forkJoin, from, lastValueFrom, map, mergeMap, of, scan, tap, type Observable } from 'rxjs';
import type { HashClient } from '../index.js';
import { readJsonl, type LoadItem } from './jsonl.js';
import type { CliCommand } from './one-shot.js';
import { progressLine } from './progress.js';

/** Batches in flight at once: enough to keep every server of a small cluster busy. */
const CONCURRENCY = 4;

/**
 * `load <file.jsonl> [--batch n]`: the whole file is checked first, so a bad line sends nothing; then
 * items go out `--batch` at a time through `setMany` (one round trip per server per batch), with a
 * progress bar on stderr when it is a terminal. Items the servers did not store make the exit code 1.
 */
export const load: CliCommand = async (client, { args: [file = ''], batch }, terminal) => {
  let total = 0;
  for await (const _item of readJsonl(file)) total++;
  const progress = terminal.err.isTTY === true ? (done: number): void => void terminal.err.write(`\r${progressLine(done, total)}`) : undefined;
  progress?.(0);
  const outcome = await lastValueFrom(
    from(readJsonl(file)).pipe(
      bufferCount(batch),
      mergeMap((items) => storeBatch(client, items), CONCURRENCY),
      scan((acc, b) => ({ done: acc.done + b.done, notStored: [...acc.notStored, ...b.notStored] }), { done: 0, notStored: [] as string[] }),
      tap(({ done }) => progress?.(done)),
    ),
    { defaultValue: { done: 0, notStored: [] } },
  );
  if (progress !== undefined) terminal.err.write('\n');
  for (const key of outcome.notStored) terminal.err.write(`${key}: not stored\n`);
  terminal.out.write(`loaded ${outcome.done - outcome.notStored.length} of ${total} items from ${file}\n`);
  return outcome.notStored.length === 0 ? 0 : 1;
};

/** One `setMany` per distinct TTL in the batch (the TTL is per call), all at once. */
function storeBatch(client: HashClient, items: readonly LoadItem[]): Observable<{ done: number; notStored: string[] }> {
  const byTtl = new Map<number, Array<readonly [string, string]>>();
  for (const item of items) {
    const group = byTtl.get(item.ttl);
    if (group === undefined) byTtl.set(item.ttl, [[item.key, item.value]]);
    else group.push([item.key, item.value]);
  }
  const calls = [...byTtl].map(([ttl, entries]) => defer(() => client.setMany(entries, { expire: ttl, noreply: false })));
  if (calls.length === 0) return of({ done: 0, notStored: [] });
  return forkJoin(calls).pipe(map((missed) => ({ done: items.length, notStored: missed.flat() })));
}
