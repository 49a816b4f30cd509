import { randomBytes } from 'node:crypto';
import type { MemcacheClient } from '../client/memcache-client.js';
import { generationKey } from './keys.js';

/** A token: 6 random bytes, base64url. Value keys start with it, so it must be key-safe. */
const TOKEN = /^[A-Za-z0-9_-]{8}$/;

/**
 * Each namespace's generation token, as this process last saw it. The token lives in memcached under
 * `keyv-generation:<namespace>` and prefixes every value key of the namespace; `clear()` stores a new
 * random token, which makes every older value unreachable at once (memcached evicts them in time).
 *
 * Why a random token, not a counter: if the token's item is evicted or flushed, a counter would start
 * over and bring old values back to life. A new random token only ever hides values: at worst an
 * eviction acts as one more clear.
 *
 * The token seen here may be stale (another process cleared since): every command reads the token
 * in the same round trip as its values, and the store repeats the command when it changed.
 *
 * @example
 * ```ts
 * const generations = new Generations(client, 250);
 * const token = await generations.current('keyv');
 * ```
 */
export class Generations {
  private readonly known = new Map<string, string>();
  private readonly loading = new Map<string, Promise<string>>();

  constructor(
    private readonly client: MemcacheClient<unknown>,
    private readonly room: number,
  ) {}

  /** The memcached key holding the namespace's token. */
  keyOf(namespace: string | undefined): string {
    return generationKey(namespace, this.room);
  }

  /** The token as last seen here; read (or created, when memcached has none) the first time. */
  current(namespace: string | undefined): Promise<string> {
    const name = namespace ?? '';
    const known = this.known.get(name);
    if (known !== undefined) return Promise.resolve(known);
    let loading = this.loading.get(name);
    if (loading === undefined) {
      loading = this.load(name).finally(() => this.loading.delete(name));
      this.loading.set(name, loading);
    }
    return loading;
  }

  /**
   * Records what a read of the token's key returned (in the same round trip as some values): the token
   * now in force, or undefined when memcached has none (evicted, flushed) or holds something else.
   */
  observe(namespace: string | undefined, stored: unknown): string | undefined {
    const name = namespace ?? '';
    const token = asToken(stored);
    if (token === undefined) this.known.delete(name);
    else this.known.set(name, token);
    return token;
  }

  /** Stores a fresh token: every value written under an older one becomes a miss. */
  async renew(namespace: string | undefined): Promise<void> {
    const name = namespace ?? '';
    const token = freshToken();
    await this.client.set(this.keyOf(name), token, { noreply: false });
    this.known.set(name, token);
  }

  private async load(name: string): Promise<string> {
    const token = asToken(await this.client.get(this.keyOf(name)));
    return this.remember(name, token ?? (await this.create(name)));
  }

  /** `add` so that two processes starting at once agree: the loser reads the winner's token. */
  private async create(name: string): Promise<string> {
    const key = this.keyOf(name);
    const fresh = freshToken();
    if (await this.client.add(key, fresh, { noreply: false })) return fresh;
    const winner = asToken(await this.client.get(key));
    if (winner !== undefined) return winner;
    // Something that is not a token sits there (or it vanished again): take the key over.
    await this.client.set(key, fresh, { noreply: false });
    return fresh;
  }

  private remember(name: string, token: string): string {
    this.known.set(name, token);
    return token;
  }
}

function freshToken(): string {
  return randomBytes(6).toString('base64url');
}

function asToken(stored: unknown): string | undefined {
  const text = typeof stored === 'string' ? stored : stored instanceof Uint8Array ? Buffer.from(stored).toString('latin1') : undefined;
  return text !== undefined && TOKEN.test(text) ? text : undefined;
}
