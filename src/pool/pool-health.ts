import type { ConnectionHealth } from '../connection/health.js';

/**
 * The pool's health from its connections': `up` while any connection is up, else `connecting` while
 * any connects, else `down` with the most recent error. An empty pool (all closed for idleness) is
 * `idle`, as a client before its first command is.
 */
function poolHealth(states: Iterable<ConnectionHealth>, now: number): ConnectionHealth {
  let connecting: ConnectionHealth | undefined;
  let down: ConnectionHealth | undefined;
  for (const health of states) {
    if (health.state === 'up') return health;
    if (health.state === 'connecting') connecting ??= health;
    else if (health.state === 'down' && health.error !== undefined && (down === undefined || health.since >= down.since)) down = health;
  }
  return connecting ?? down ?? { state: 'idle', since: now };
}

/** Tells the client of the pool's health when it changes (state, or the error of a `down`). */
export class HealthReporter {
  private last: ConnectionHealth;

  constructor(
    private readonly onHealth: (health: ConnectionHealth) => void,
    now: number,
  ) {
    this.last = { state: 'idle', since: now };
  }

  report(states: Iterable<ConnectionHealth>, now: number): void {
    const health = poolHealth(states, now);
    const last = this.last;
    if (health.state === last.state && (health.state !== 'down' || last.state !== 'down' || health.error === last.error)) return;
    this.last = health;
    this.onHealth(health);
  }
}
