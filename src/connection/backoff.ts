/**
 * Capped exponential backoff with jitter: `initial`, then doubling per failure up to `max`, each delay
 * scaled by a random factor in [0.5, 1) so many clients that lost one server do not reconnect in step.
 *
 * @example
 * ```ts
 * const delay = exponentialBackoff(50, 2000);
 * delay(1); // 25–50 ms
 * delay(7); // 1000–2000 ms
 * ```
 */
export function exponentialBackoff(initial: number, max: number, random: () => number = Math.random): (failures: number) => number {
  return (failures) => Math.min(max, initial * 2 ** Math.max(0, failures - 1)) * (0.5 + random() / 2);
}
