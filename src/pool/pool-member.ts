import { Observable } from 'rxjs';
import { Connection } from '../connection/connection.js';
import type { ConnectionSettings } from '../connection/connection-settings.js';
import type { ConnectionHealth } from '../connection/health.js';
import type { Transport } from '../connection/transport.js';

/** One pooled connection and what the pool knows of it. */
export interface Member {
  readonly connection: Connection;
  health: ConnectionHealth;
  /** When it last took or finished a command (scheduler clock): idle since then once empty. */
  lastUsed: number;
}

/** What a pooled connection tells its pool besides command outcomes. */
export interface MemberHooks {
  /** Its health changed (`member.health` already holds the new state). */
  readonly health: () => void;
  /** It read a chunk, or its socket is gone: places may have freed up without any command settling. */
  readonly freed: () => void;
}

/**
 * Opens (lazily, on its first command) one pooled connection. A reply read for a command nobody waits
 * for any more (unsubscribed, or timed out after it was written), or a socket dropped with only such
 * commands on it, frees places without settling anything: hence `freed` after every chunk the
 * connection has read and once its socket is gone.
 */
export function openMember(settings: ConnectionSettings, hooks: MemberHooks): Member {
  const now = settings.scheduler.now();
  const connection = new Connection({
    ...settings,
    transport: watchSocket(settings.transport, hooks.freed),
    // Never called during construction: the connection opens on its first command.
    onHealth: (health) => {
      member.health = health;
      hooks.health();
    },
  });
  const member: Member = { connection, health: { state: 'down', since: now }, lastUsed: now };
  return member;
}

/** Nothing queued or in flight on it. */
export function isIdle(member: Member): boolean {
  const { queued, inFlight } = member.connection.load;
  return queued === 0 && inFlight === 0;
}

function watchSocket(transport: Transport, freed: () => void): Transport {
  return (connected) =>
    new Observable<Buffer>((subscriber) => {
      const socket = transport(connected).subscribe({
        next: (chunk) => {
          // The connection reads the chunk first; only then can a place have freed up.
          subscriber.next(chunk);
          freed();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      return () => {
        socket.unsubscribe();
        freed();
      };
    });
}
