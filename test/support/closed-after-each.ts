import { afterEach } from 'vitest';

/** What a test opens and must close: a client, a fake server. */
export interface Closable {
  close(): PromiseLike<unknown>;
}

/**
 * After each test, closes what the getters return now, in the order given (a client before the server
 * it talks to); each thing once, so a test that opened nothing new closes nothing twice.
 */
export function closedAfterEach(...getters: ReadonlyArray<() => Closable | undefined>): void {
  const closed = new WeakSet<Closable>();
  afterEach(async () => {
    for (const get of getters) {
      const thing = get();
      if (thing === undefined || closed.has(thing)) continue;
      closed.add(thing);
      await thing.close();
    }
  });
}
