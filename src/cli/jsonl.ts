import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MemcacheIllegalInputError } from '../index.js';

/** One line of a load file, checked. */
export interface LoadItem {
  readonly key: string;
  /** Strings are stored as they are; any other JSON value as its JSON text. */
  readonly value: string;
  /** memcached exptime in seconds; 0 (never) when the line has none. */
  readonly ttl: number;
}

/**
 * Reads a JSON-lines file, `{"key": …, "value": …, "ttl"?: …}` per line (blank lines skipped), one
 * checked item at a time. A line that is not such an object fails with `MemcacheIllegalInputError`
 * naming the file and line.
 *
 * @example
 * ```ts
 * for await (const item of readJsonl('items.jsonl')) console.log(item.key);
 * ```
 */
export async function* readJsonl(path: string): AsyncGenerator<LoadItem> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    yield toItem(text, `${path}:${number}`);
  }
}

function toItem(text: string, where: string): LoadItem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new MemcacheIllegalInputError(`${where}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new MemcacheIllegalInputError(`${where}: expected an object with "key" and "value"`);
  const { key, value, ttl } = parsed as Record<string, unknown>;
  if (typeof key !== 'string' || key === '') throw new MemcacheIllegalInputError(`${where}: "key" must be a non-empty string`);
  if (value === undefined) throw new MemcacheIllegalInputError(`${where}: "value" is missing`);
  if (ttl !== undefined && !Number.isSafeInteger(ttl)) throw new MemcacheIllegalInputError(`${where}: "ttl" must be an integer number of seconds`);
  return { key, value: typeof value === 'string' ? value : JSON.stringify(value), ttl: (ttl as number | undefined) ?? 0 };
}
