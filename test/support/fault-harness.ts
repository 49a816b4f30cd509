/**
 * Shared bookkeeping for the fault tests and the soak script: a ledger that proves every command
 * settles exactly once and in time, a self-checking workload (every value encodes its key, every
 * counter its range), and a watch for unhandled errors. No vitest import: `scripts/soak.ts` uses it too.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { config, firstValueFrom, type Observable } from 'rxjs';
import type { DefaultValue } from '../../src/index.js';
import { fault, type FaultProxy } from './fault-proxy.js';
import { LoopLag } from './loop-lag.js';
import type { MemcachedServer } from './memcached.js';
import type { ScriptedFault, ScriptedServer } from './scripted-server.js';

/** What the workload needs from a client: `Client` and `HashClient` both fit. */
export interface Target {
  set(key: string, value: string, options?: { readonly noreply?: boolean }): Observable<boolean>;
  get(key: string): Observable<DefaultValue | undefined>;
  getMany(keys: readonly string[]): Observable<Map<string, DefaultValue>>;
  incr(key: string, delta: number): Observable<bigint | null>;
}

// RxJS drops a notification sent to a finished subscriber and reports it (a tick later) here. For a
// ledger's subscriber that is a second settlement (or a `complete` after an error, which breaks the
// Observable contract). Other subscribers are not our business: firstValueFrom, for one, unsubscribes
// as soon as it has a value and then hears `complete`.
const ledgerSubscribers = new WeakMap<object, string>();
const afterSettled: string[] = [];
config.onStoppedNotification = (notification, subscriber) => {
  const label = ledgerSubscribers.get(subscriber);
  if (label === undefined) return;
  const what = notification.kind === 'N' ? 'next' : notification.kind === 'C' ? 'complete' : `error ${String((notification.error as Error | undefined)?.name)}`;
  afterSettled.push(`${label}: ${what}`);
};

/** Notifications that reached a ledger's subscriber after it had settled (must stay empty). */
export const stoppedNotifications = (): readonly string[] => afterSettled;

/** What network faults may legitimately cause. */
export const NETWORK_ERRORS: ReadonlySet<string> = new Set(['MemcacheTimeoutError', 'MemcacheConnectionError', 'MemcacheUnexpectedCloseError']);
/** Plus what a server speaking nonsense causes (the scripted fake only). */
export const PROTOCOL_ERRORS: ReadonlySet<string> = new Set([...NETWORK_ERRORS, 'MemcacheUnknownError']);

interface Watched {
  readonly label: string;
  readonly at: number;
  /** The loop lag measured when it was subscribed. */
  readonly lagAt: number;
  settles: number;
}

/**
 * Tracks commands from subscription to settlement. A command must settle exactly once (one `next` or
 * one `error`), within `budgetMs` (its timeout plus a grace), with a value that passes its check.
 * Time the event loop could not run does not count against the budget (see `LoopLag`): a loaded
 * machine makes everything late, and that is not a finding.
 */
export class Ledger {
  issued = 0;
  succeeded = 0;
  hung = 0;
  readonly crossed: string[] = [];
  readonly doubles: string[] = [];
  readonly late: string[] = [];
  readonly hungLabels: string[] = [];
  readonly unexpected: string[] = [];
  /** Faults after which no fresh round trip succeeded in time. */
  readonly unrecovered: string[] = [];
  readonly errors = new Map<string, number>();
  /** Error classes acceptable right now; anything else lands in `unexpected`. */
  allowed: ReadonlySet<string> = NETWORK_ERRORS;
  private readonly open = new Set<Watched>();
  private readonly lag = new LoopLag();

  constructor(private readonly budgetMs: number) {}

  /**
   * Subscribes and watches one command. `checkError` vets what an error carries (a cluster error's
   * partial results); false counts as crossed.
   */
  track<T>(label: string, command: Observable<T>, check: (value: T) => boolean, checkError?: (error: unknown) => boolean): void {
    if (this.open.size === 0) this.lag.hold();
    const rec: Watched = { label, at: performance.now(), lagAt: this.lag.now(), settles: 0 };
    this.issued++;
    this.open.add(rec);
    const subscriber = command.subscribe({
      next: (value) => {
        if (!this.settled(rec)) return;
        if (check(value)) this.succeeded++;
        else this.crossed.push(`${label} -> ${describe(value)}`);
      },
      error: (error: unknown) => {
        if (!this.settled(rec)) return;
        const name = error instanceof Error ? error.name : typeof error;
        this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
        if (!this.allowed.has(name)) this.unexpected.push(`${label} -> ${name}: ${String((error as Error).message)}`);
        if (checkError !== undefined && !checkError(error)) this.crossed.push(`${label} -> ${name} carrying ${describe((error as { partial?: unknown }).partial)}`);
      },
    });
    ledgerSubscribers.set(subscriber, label);
  }

  /**
   * Waits until everything tracked has settled or `deadline` (performance.now(), moved back by any
   * loop lag meanwhile) passes; the rest are hung.
   */
  async settle(deadline: number): Promise<number> {
    const lagAt = this.lag.now();
    while (this.open.size > 0 && performance.now() < deadline + this.lag.now() - lagAt) await sleep(5);
    const hung = this.open.size;
    for (const rec of this.open) if (this.hungLabels.length < 20) this.hungLabels.push(rec.label);
    if (hung > 0) this.lag.release();
    this.open.clear();
    this.hung += hung;
    return hung;
  }

  /** Everything that went wrong, for one readable assertion message (empty when clean). */
  problems(): string[] {
    const show = (what: string, list: readonly string[]): string[] => (list.length === 0 ? [] : [`${what} ${list.length}: ${list.slice(0, 5).join(' | ')}`]);
    return [
      ...show('crossed', this.crossed),
      ...show('settled twice', this.doubles),
      ...show('late', this.late),
      ...show('hung', this.hungLabels),
      ...show('unexpected error', this.unexpected),
      ...show('did not recover after', this.unrecovered),
    ];
  }

  private settled(rec: Watched): boolean {
    rec.settles++;
    if (rec.settles > 1) {
      this.doubles.push(rec.label);
      return false;
    }
    // A settlement after settle() gave up on it (counted as hung) is not a second finding.
    if (!this.open.delete(rec)) return true;
    const took = performance.now() - rec.at;
    const excused = this.lag.now() - rec.lagAt;
    if (took - excused > this.budgetMs) this.late.push(`${rec.label} after ${Math.round(took)} ms (${Math.round(excused)} ms of it loop lag)`);
    if (this.open.size === 0) this.lag.release();
    return true;
  }
}

function describe(value: unknown): string {
  if (value instanceof Map) return `Map(${[...value].map(([k, v]) => `${String(k)}=${String(v).slice(0, 24)}`).join(', ')})`;
  return typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)?.slice(0, 60) ?? String(value);
}

/** Records every unhandled rejection and uncaught exception until `stop()`. */
export function watchUnhandled(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const record = (error: unknown): void => void seen.push(error);
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    seen,
    stop() {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}

/** A small seeded PRNG (mulberry32): the same seed replays the same fault run. */
export interface Rng {
  next(): number;
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number): number => Math.floor(next() * below);
  return { next, int, pick: (items) => items[int(items.length)] as (typeof items)[number] };
}

export const KEY_SPACE = 1000;
export const COUNTERS = 16;
export const keyOf = (i: number): string => `k:${i}`;
export const counterOf = (j: number): string => `n:${j}`;
const COUNTER_SPAN = 10n ** 12n;
/** Each counter lives in its own range, so an incr reply that belongs to another counter is noticed. */
export const counterBase = (j: number): bigint => BigInt(j + 1) * COUNTER_SPAN;

/** The value stored under `key`: the key itself, padded (some to 20 KB, so replies span many chunks). */
export function valueFor(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
  return `${key}|${'v'.repeat(h % 50 === 0 ? 20_000 : h % 300)}`;
}

export const isOwnValue = (key: string, value: unknown): boolean => value === undefined || value === valueFor(key);

/** Sets every counter to its base value; a counter that cannot be set simply stays missing. */
export async function initCounters(target: Target): Promise<void> {
  const sets = Array.from({ length: COUNTERS }, (_, j) => firstValueFrom(target.set(counterOf(j), String(counterBase(j)), { noreply: false })));
  await Promise.allSettled(sets);
}

/** Issues `count` random self-checking commands: get, set (with and without noreply), getMany, incr. */
export function issueMixed(target: Target, ledger: Ledger, rng: Rng, count: number): void {
  for (let n = 0; n < count; n++) {
    const roll = rng.next();
    const key = keyOf(rng.int(KEY_SPACE));
    if (roll < 0.35) ledger.track(`get ${key}`, target.get(key), (v) => isOwnValue(key, v));
    else if (roll < 0.5) ledger.track(`set ${key}`, target.set(key, valueFor(key), { noreply: false }), (v) => v === true);
    else if (roll < 0.65) ledger.track(`set(noreply) ${key}`, target.set(key, valueFor(key)), (v) => v === true);
    else if (roll < 0.85) {
      const keys = [...new Set(Array.from({ length: 1 + rng.int(6) }, () => keyOf(rng.int(KEY_SPACE))))];
      const own = (m: Map<string, unknown>): boolean => [...m].every(([k, v]) => keys.includes(k) && v === valueFor(k));
      // A HashClient's partial failure carries what the healthy servers answered: that must be right too.
      const ownPartial = (e: unknown): boolean => !(e instanceof Error && 'partial' in e && e.partial instanceof Map) || own(e.partial);
      ledger.track(`getMany ${keys.join(',')}`, target.getMany(keys), own, ownPartial);
    } else {
      const j = rng.int(COUNTERS);
      const base = counterBase(j);
      ledger.track(`incr ${counterOf(j)}`, target.incr(counterOf(j), 1), (v) => v === null || (v > base && v < base + COUNTER_SPAN));
    }
  }
}

let recoveries = 0;

/** A fresh set/get round trip, retried until it succeeds or `withinMs` (plus any loop lag) passes. */
export async function recovers(target: Target, withinMs: number): Promise<boolean> {
  const key = `recover:${++recoveries}`;
  const lag = new LoopLag();
  lag.hold();
  const end = performance.now() + withinMs;
  try {
    while (performance.now() < end + lag.now()) {
      try {
        await firstValueFrom(target.set(key, valueFor(key), { noreply: false }));
        if ((await firstValueFrom(target.get(key))) === valueFor(key)) return true;
      } catch {
        // Still failing: the client may not have noticed the dead connection yet.
      }
      await sleep(10);
    }
    return false;
  } finally {
    lag.release();
  }
}

/**
 * Polls `condition` every 5 ms until it holds or `withinMs` (plus any loop lag) passes: for effects
 * that follow an event by an unknown delay, instead of a fixed sleep that a loaded machine outlasts.
 */
export async function eventually(condition: () => boolean, withinMs = 2000): Promise<boolean> {
  const lag = new LoopLag();
  lag.hold();
  try {
    for (const end = performance.now() + withinMs; performance.now() < end + lag.now(); await sleep(5)) if (condition()) return true;
    return condition();
  } finally {
    lag.release();
  }
}

/** The one summary line the seeded run and the soak print. */
export function totalsLine(t: { faults: number; commands: number; hung: number; crossed: number; unhandled: number }): string {
  return `faults: ${t.faults}, commands: ${t.commands}, hung: ${t.hung}, crossed: ${t.crossed}, unhandled: ${t.unhandled}`;
}

/** Everything a seeded fault run acts on: one client, behind the proxy, in front of a real memcached. */
export interface Rig {
  readonly client: Target;
  readonly proxy: FaultProxy;
  readonly memcached: MemcachedServer;
  readonly scripted: ScriptedServer;
  readonly timeout: number;
  readonly grace: number;
}

export const FAULT_KINDS = [
  'none', 'latency', 'hold', 'blackhole', 'resetAfter', 'closeAfter', 'rechunk1', 'refuse', 'hangConnect', 'pause', 'kill', 'scripted',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
const SLICES = 5;
const SCRIPTED_FAULTS: readonly ScriptedFault[] = ['garbage', 'wrongKey', 'oversized', 'stray', 'noreplyError'];

/** Starts one fault; resolves with its label and what ends it. */
async function begin(rig: Rig, kind: FaultKind, rng: Rng): Promise<{ label: string; end: () => Promise<void> }> {
  const { proxy, memcached, scripted } = rig;
  const heal = async (): Promise<void> => proxy.set(fault.none);
  const bytes = rng.int(30_000);
  switch (kind) {
    case 'latency': {
      const ms = rng.int(2 * rig.timeout);
      proxy.set(fault.latency(ms, bytes));
      return { label: `latency(${ms}, after ${bytes})`, end: heal };
    }
    case 'hold':
      proxy.set(fault.hold(bytes));
      return { label: `hold(after ${bytes})`, end: async () => proxy.release() };
    case 'resetAfter':
    case 'closeAfter':
      proxy.set(kind === 'resetAfter' ? fault.resetAfter(bytes) : fault.closeAfter(bytes));
      return { label: `${kind}(${bytes})`, end: heal };
    case 'blackhole':
    case 'rechunk1':
      proxy.set(fault[kind]);
      return { label: kind, end: heal };
    case 'refuse':
    case 'hangConnect':
      proxy.set(fault[kind]);
      proxy.dropAll(); // so the client has to connect again, into the fault
      return { label: kind, end: heal };
    case 'pause':
      memcached.pause();
      return { label: 'SIGSTOP', end: async () => memcached.resume() };
    case 'kill':
      process.kill(memcached.pid, 'SIGKILL');
      return { label: 'SIGKILL', end: async () => (await memcached.restart(), await initCounters(rig.client)) };
    case 'scripted': {
      const misbehaviour = rng.pick(SCRIPTED_FAULTS);
      scripted.fault = misbehaviour;
      proxy.retarget(scripted.port);
      proxy.dropAll();
      const end = async (): Promise<void> => {
        proxy.retarget(memcached.port);
        proxy.dropAll();
        scripted.fault = 'none';
      };
      return { label: `scripted ${misbehaviour}`, end };
    }
    default:
      return { label: 'none', end: heal };
  }
}

/**
 * One fault of a seeded run: half the commands go out before it starts, half while it lasts; then it
 * ends, everything must settle within timeout + grace after that, and a fresh round trip must succeed.
 */
export async function faultRound(rig: Rig, ledger: Ledger, rng: Rng, kinds: readonly FaultKind[], perFault: number): Promise<string> {
  const kind = rng.pick(kinds);
  ledger.allowed = kind === 'scripted' ? PROTOCOL_ERRORS : NETWORK_ERRORS;
  const half = Math.floor(perFault / 2);
  issueMixed(rig.client, ledger, rng, half);
  const { label, end } = await begin(rig, kind, rng);
  // The rest goes out in slices while the fault lasts, so some of it meets the reconnect too.
  const slice = (10 + rng.int(rig.timeout)) / SLICES;
  for (let i = 0; i < SLICES; i++) {
    await sleep(slice);
    issueMixed(rig.client, ledger, rng, Math.floor((perFault - half) / SLICES) + (i < (perFault - half) % SLICES ? 1 : 0));
  }
  await end();
  await ledger.settle(performance.now() + rig.timeout + rig.grace);
  if (!(await recovers(rig.client, 3 * rig.timeout + rig.grace))) ledger.unrecovered.push(label);
  return label;
}
