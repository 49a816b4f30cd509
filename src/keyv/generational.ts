import { firstValueFrom, forkJoin, type Observable } from 'rxjs';
import type { MemcacheClient } from '../client/memcache-client.js';
import { Generations } from './generations.js';
import { keyRoom, valueKey } from './keys.js';

/** Commands whose token changed under them are repeated at most this often in all. */
const ATTEMPTS = 3;

/** Turns a Keyv key into the memcached key it has under the token in force. */
export type KeyOf = (key: string) => string;

/**
 * Reads and writes a namespace's keys under its generation token (see `Generations`), reading the
 * token in the same round trip as the values, so that a clear by any process counts from the next
 * command of every other one.
 *
 * Why this is enough: memcached applies commands to one key in order. A command sent after a clear
 * resolved reads the new token, sees it differs from the one it used, and is repeated under the new
 * one; a command sent before the clear reads the old token and stands, as it should. Only commands
 * overlapping a clear can go either way.
 *
 * @example
 * ```ts
 * const io = new GenerationalIo(client);
 * await io.write('users', (keyOf) => client.set(keyOf('users:1'), 'Ada', { noreply: false }));
 * const [ada] = await io.read('users', ['users:1']);
 * ```
 */
export class GenerationalIo {
  private readonly room: number;
  private readonly generations: Generations;

  constructor(private readonly client: MemcacheClient<unknown>) {
    this.room = keyRoom(client.codec.options.prefix);
    this.generations = new Generations(client, this.room);
  }

  /**
   * The values of `keys` (undefined where missing), with the token in the same getMany. If another
   * process renewed the token, they belong to an older generation: read again under the new one. No
   * token at all (evicted, flushed) means nothing of the namespace is left.
   */
  async read(namespace: string | undefined, keys: readonly string[]): Promise<unknown[]> {
    if (keys.length === 0) return [];
    const tokenKey = this.generations.keyOf(namespace);
    let token = await this.generations.current(namespace);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const wire = keys.map((k) => valueKey(token, k, this.room));
      // A Set: a key Keyv asks for twice is fetched once.
      const hits = await this.client.getMany(new Set([tokenKey, ...wire]));
      const seen = this.generations.observe(namespace, hits.get(tokenKey));
      if (seen === token) return wire.map((w) => hits.get(w));
      if (seen === undefined) break;
      token = seen;
    }
    return keys.map(() => undefined);
  }

  /**
   * Runs a write under the token seen last, with a read of the token in the same round trip. A
   * different token means another process cleared: since the token was seen (the write must land
   * under the new token, so it is repeated), or while the write ran (concurrent with the clear: either
   * outcome is right). A missing token is created anew.
   */
  async write<T>(namespace: string | undefined, run: (keyOf: KeyOf) => Observable<T>): Promise<T> {
    const tokenKey = this.generations.keyOf(namespace);
    let token = await this.generations.current(namespace);
    for (let attempt = 1; ; attempt++) {
      const keyOf = (key: string): string => valueKey(token, key, this.room);
      const [result, stored] = await firstValueFrom(forkJoin([run(keyOf), this.client.get(tokenKey)]));
      const seen = this.generations.observe(namespace, stored) ?? (await this.generations.current(namespace));
      if (seen === token || attempt === ATTEMPTS) return result;
      token = seen;
    }
  }

  /** Makes every value of the namespace a miss, in one command: a new token. */
  clear(namespace: string | undefined): Promise<void> {
    return this.generations.renew(namespace);
  }
}
