import { MemcacheClusterError, type Command } from '../index.js';

/** A whole-cluster command's outcome: what the servers that answered said, and which servers failed. */
export interface PerServer<T> {
  readonly answers: ReadonlyMap<string, T>;
  readonly failed: ReadonlyArray<{ readonly server: string; readonly error: unknown }>;
}

/**
 * Runs a per-server command (`stats`, `version`, `flushAll`) and keeps the healthy servers' answers
 * when some fail, as `MemcacheClusterError.partial` carries them: a CLI shows what it has and names
 * the rest. Any other error is rethrown.
 *
 * @example
 * ```ts
 * const { answers, failed } = await perServer(cluster.version());
 * ```
 */
export async function perServer<T>(command: Command<Map<string, T>>): Promise<PerServer<T>> {
  try {
    return { answers: await command, failed: [] };
  } catch (error) {
    if (!(error instanceof MemcacheClusterError) || !(error.partial instanceof Map)) throw error;
    const partial = error.partial as Map<string, T>;
    // The error carries the first failure's cause; every failed server failed the same command.
    return { answers: partial, failed: error.failedKeys.map((server) => ({ server: String(server), error: error.cause ?? error })) };
  }
}

/** One line per failed server: `host:port: MemcacheConnectionError: connect ECONNREFUSED …`. */
export function failureLines(failed: PerServer<unknown>['failed']): string[] {
  return failed.map(({ server, error }) => `${server}: ${describe(error)}`);
}

/** An error as `Name: message` (the class name says which of rxmemcache's errors it is). */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
