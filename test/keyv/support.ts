import { Command, type MemcacheClient } from '../../src/index.js';
import { keyRoom, valueKey } from '../../src/keyv/keys.js';
import type { MemcacheKeyvStore } from '../../src/keyv/index.js';

/** The commands the store issues, and how many waves: a wave starts whenever none is in flight. */
export interface Waves {
  waves: number;
  commands: string[];
  reset(): void;
}

const RECORDED = ['get', 'getMany', 'set', 'setMany', 'add', 'delete', 'deleteMany'] as const;

/**
 * Wraps the client's commands (on this instance only) to count round trips: commands the store sends
 * together overlap, so they make one wave; a command sent after another settled starts a new one.
 */
export function recordWaves(client: MemcacheClient<unknown>): Waves {
  const log: Waves = { waves: 0, commands: [], reset: () => ((log.waves = 0), (log.commands = [])) };
  let inFlight = 0;
  const methods = client as unknown as Record<string, (...args: unknown[]) => Command<unknown>>;
  for (const name of RECORDED) {
    const original = methods[name]?.bind(client) as (...args: unknown[]) => Command<unknown>;
    methods[name] = (...args: unknown[]) => {
      const command = original(...args);
      return new Command<unknown>((sink) => {
        if (inFlight++ === 0) log.waves++;
        log.commands.push(name);
        // A command settles with its one value (or error), or when its subscriber leaves first.
        let open = true;
        const settle = (): void => {
          if (open) (open = false), inFlight--;
        };
        const subscription = command.subscribe({
          next: (value) => (settle(), sink.next(value)),
          error: (error: unknown) => (settle(), sink.error(error)),
          complete: () => sink.complete(),
        });
        return () => (settle(), subscription.unsubscribe());
      });
    };
  }
  return log;
}

/** Where a Keyv key of the store's namespace is stored now (reads the namespace's token). */
export async function storedKeyOf(store: MemcacheKeyvStore, keyvKey: string): Promise<string> {
  const room = keyRoom(store.client.codec.options.prefix);
  const token = await store.client.get(`keyv-generation:${store.namespace ?? ''}`);
  if (typeof token !== 'string') throw new Error(`no generation token for namespace ${store.namespace}`);
  return valueKey(token, keyvKey, room);
}
