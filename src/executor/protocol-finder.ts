import { AsyncResource } from 'node:async_hooks';
import type { TeardownLogic } from 'rxjs';
import type { ConnectionHealth } from '../connection/health.js';

/** Asks the server once; `done` gets true (meta), false (text) or undefined (could not tell). Returns a stop. */
export type Probe = (done: (meta: boolean | undefined) => void) => () => void;

type Held = { start: (() => TeardownLogic) | undefined; teardown: TeardownLogic };

/**
 * `protocol: 'auto'`: which protocol one server speaks, found by a probe and believed while the client's
 * connection lives (a server restarted behind the client may be another version, so after the connection
 * the next one is asked about again).
 *
 * Commands wait while the probe runs, then all go in the order they came. Holding them, rather than
 * sending them as text meanwhile, keeps a result from depending on timing: a noreply `add` of an existing
 * key is `false` on a meta server from the first command on. The wait overlaps the client's own connect,
 * since the probe starts with the first command. A probe that cannot tell (the server unreachable, silent)
 * releases what it held as text; so does a failure of the connection. Text, which every server speaks,
 * then goes until a new connection is up and the next command has asked.
 */
export class ProtocolFinder {
  private current: 'unknown' | 'probing' | 'text' | 'meta' = 'unknown';
  private held: Held[] = [];
  private stopProbe: (() => void) | undefined;
  private closed = false;
  private askWhenUp = false;
  /** That the server speaks meta, as found last: each finding has its own, ended when it is given up. */
  private meta = { holds: false };

  constructor(
    private readonly probe: Probe,
    private readonly found: (protocol: 'text' | 'meta') => void,
    /** Told whenever the protocol to send in changes (undefined: being found), so calls can be built for it. */
    private readonly changed: (protocol: 'text' | 'meta' | undefined) => void = () => undefined,
  ) {}

  /** The protocol to send in now, or undefined while it is being found. */
  get protocol(): 'text' | 'meta' | undefined {
    return this.current === 'text' || this.current === 'meta' ? this.current : undefined;
  }

  private get state(): 'unknown' | 'probing' | 'text' | 'meta' {
    return this.current;
  }

  private set state(next: 'unknown' | 'probing' | 'text' | 'meta') {
    const before = this.protocol;
    if (before === 'meta' && next !== 'meta') this.meta.holds = false;
    if (next === 'meta' && before !== 'meta') this.meta = { holds: true };
    this.current = next;
    if (this.protocol !== before) this.changed(this.protocol);
  }

  /**
   * The current belief that the server speaks meta: `holds` until it is given up (after a failure, a
   * quit or an idle close), and stays false even if meta is found again later.
   */
  get belief(): { readonly holds: boolean } {
    return this.meta;
  }

  /** Starts `start` once the protocol is known (at once if it is); the teardown cancels it either way. */
  hold(start: () => TeardownLogic): TeardownLogic {
    if (this.protocol !== undefined) return start();
    // Started later from the probe's callback, yet in the caller's async context: tracing spans and any
    // AsyncLocalStorage of the caller's must see the command as theirs.
    const held: Held = { start: AsyncResource.bind(start), teardown: undefined };
    this.held.push(held);
    this.ask();
    return () => {
      if (held.start !== undefined) {
        held.start = undefined;
        this.held = this.held.filter((h) => h !== held);
      } else run(held.teardown);
    };
  }

  /**
   * Follows the connection: once it is gone, the next command asks again before it goes. A connection
   * lost to a failing server (it may come back as another server) sends text, which every server speaks,
   * until a new connection is up and the next command asks; so an outage costs no probe connections.
   */
  health(health: ConnectionHealth): void {
    if (health.state === 'up' && this.askWhenUp) {
      this.askWhenUp = false;
      this.forget();
    } else if (health.state === 'idle' || (health.state === 'down' && health.failed !== true)) this.forget();
    else if (health.state === 'down' && !this.closed) {
      this.askWhenUp = true;
      if (this.state === 'meta') this.state = 'text';
    }
  }

  /** The connection is gone (or being retired): the next command asks again. */
  forget(): void {
    if (!this.closed && (this.state === 'text' || this.state === 'meta')) this.state = 'unknown';
  }

  /** Stops the probe and lets what waits go, as text (a closing client still sends what it accepted). */
  close(): void {
    this.closed = true;
    if (this.state !== 'meta') this.state = 'text';
    this.stopProbe?.();
    this.stopProbe = undefined;
    this.release();
  }

  private ask(): void {
    if (this.state !== 'unknown') return;
    this.state = 'probing';
    this.stopProbe = this.probe((meta) => {
      this.stopProbe = undefined;
      this.state = meta === true ? 'meta' : 'text';
      if (meta !== undefined) this.found(this.state);
      this.release();
    });
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) {
      const start = h.start;
      h.start = undefined;
      if (start !== undefined) h.teardown = start();
    }
  }
}

function run(teardown: TeardownLogic): void {
  if (typeof teardown === 'function') teardown();
  else teardown?.unsubscribe();
}
