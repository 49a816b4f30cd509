/**
 * The one server's answer of a server-wide command (`stats`, `version`, `rawCommand`, …) on a
 * single-server client, which resolves to a map by server name like every client.
 */
export function only<T>(results: ReadonlyMap<string, T>): T {
  if (results.size !== 1) throw new Error(`expected one server's answer, got ${results.size}`);
  return [...results.values()][0] as T;
}
