import fc from 'fast-check';
import { Observable, type Subscriber, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemcachePoolTimeoutError, MemcacheQueueFullError, MemcacheTimeoutError, PooledClient, type PoolStats, type Transport } from '../src/index.js';
import { latin1 } from './fake-transport.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Model-based test of the pool, in virtual time: random programs issue gets (some from inside another
// get's callback), answer or reset single sockets, cancel, and let time pass. Rules: no socket ever has
// more than maxPipeline unanswered requests, no more than maxPoolSize sockets are open at once, each get
// settles once with its own value or a typed error it can explain, what gave up in the pool (or was
// cancelled there) is never written, nothing waits while a connection has room, and at the end everything has settled and close() leaves nothing.
// A second run speaks the meta dialect (`protocol: 'meta'`): gets go as `mg`, and quiet sets (noreply)
// as `ms … q` closed by `mn`, answered by silence or `NS` with their opaque token, so resets and timeouts
// cut quiet runs on pooled sockets; each set must resolve with its true result (stored for even calls).
// Reproduce: POOL_SEED=<seed> [POOL_RUNS=<n>] [POOL_META_RUNS=<n>] npx vitest run marbles/pool-model.test.ts

const RUNS = Number(process.env['POOL_RUNS'] ?? 300);
const META_RUNS = Number(process.env['POOL_META_RUNS'] ?? 300);
const SEED = Number(process.env['POOL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const TIMEOUT = 100;
const SERVER = '127.0.0.1:1';

type Step =
  | { readonly kind: 'issue'; readonly nested: boolean; readonly write: boolean }
  | { readonly kind: 'answer'; readonly socket: number; readonly count: number }
  | { readonly kind: 'reset'; readonly socket: number }
  | { readonly kind: 'cancel'; readonly call: number }
  | { readonly kind: 'advance'; readonly ms: number };

interface Setup {
  readonly maxPoolSize: number;
  readonly maxPipeline: number;
  readonly maxWaiting: number;
  readonly acquireTimeout: number;
  readonly protocol: 'text' | 'meta';
}

/** A request a socket owes a reply to: a get, a quiet set (owes at most an `NS`), or the `mn` fence. */
interface Owed {
  readonly verb: 'get' | 'mg' | 'ms' | 'mn';
  readonly key: string;
  readonly opaque: string;
}

interface Sock {
  readonly subscriber: Subscriber<Buffer>;
  /** Requests written and not yet answered, in order. */
  readonly owed: Owed[];
  open: boolean;
}

interface Call {
  readonly key: string;
  readonly at: number;
  sub: Subscription | undefined;
  outcome: string | undefined;
  cancelledUnsent: boolean;
}

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('issue' as const), nested: fc.boolean(), write: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('answer' as const), socket: fc.nat(3), count: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reset' as const), socket: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), call: fc.nat(30) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.constantFrom(1, 10, 50, TIMEOUT) }) },
);

const setups: fc.Arbitrary<Setup> = fc.record({
  maxPoolSize: fc.integer({ min: 1, max: 3 }),
  maxPipeline: fc.integer({ min: 1, max: 3 }),
  maxWaiting: fc.constantFrom(2, 1_000_000),
  acquireTimeout: fc.constantFrom(30, Number.POSITIVE_INFINITY),
  protocol: fc.constant('text' as const),
});
const metaSetups: fc.Arbitrary<Setup> = setups.map((setup) => ({ ...setup, protocol: 'meta' as const }));

/** Runs one program; returns the broken rules (none when it passes). */
function runProgram(setup: Setup, steps: readonly Step[]): string[] {
  const broken: string[] = [];
  const scheduler = createTestScheduler();
  scheduler.run(() => {
    const socks: Sock[] = [];
    const written = new Set<string>();
    const calls: Call[] = [];
    const openSocks = (): Sock[] => socks.filter((s) => s.open);
    // Checked between steps and at writes, not at connect: a connection dropping its socket may open the
    // next one (for a command issued from a failure callback) just before it closes the old one.
    const checkSockets = (): void => {
      if (openSocks().length > setup.maxPoolSize) broken.push(`${openSocks().length} sockets open at ${scheduler.now()}`);
    };
    const transport: Transport = (connected) =>
      new Observable<Buffer>((subscriber) => {
        const sock: Sock = { subscriber, owed: [], open: true };
        socks.push(sock);
        connected({
          write: (parts) => {
            checkSockets();
            for (const owed of requests(latin1(parts))) {
              if (owed.verb !== 'mn' && written.has(owed.key)) broken.push(`${owed.key} written twice`);
              written.add(owed.key);
              sock.owed.push(owed);
            }
            // The fence after a quiet run is the connection's own, beyond maxPipeline.
            const unanswered = sock.owed.filter((o) => o.verb !== 'mn').length;
            if (unanswered > setup.maxPipeline) broken.push(`${unanswered} requests unanswered on one socket`);
          },
          end: () => undefined,
        });
        return () => (sock.open = false);
      });
    const client = new PooledClient(SERVER, { ...setup, timeout: TIMEOUT, connectTimeout: TIMEOUT, connect: () => transport });
    // Quiet writes exist only in the meta dialect; on text a program's writes are gets.
    const writes = setup.protocol === 'meta';
    let stats: PoolStats = { size: 0, busy: 0, waiting: 0 };
    client.pool$.subscribe((latest) => (stats = latest));
    // A connection holds at most maxPipeline commands, and nothing waits while one has room.
    // The `mn` closing a quiet run is counted in flight and takes a pipeline slot until its MN, but it is
    // the connection's own, not a command.
    const checkPool = (): void => {
      const onConnections = client.load.queued + client.load.inFlight - stats.waiting;
      const fences = openSocks().reduce((sum, sock) => sum + sock.owed.filter((o) => o.verb === 'mn').length, 0);
      const room = setup.maxPoolSize * setup.maxPipeline - onConnections;
      if (onConnections - fences > stats.size * setup.maxPipeline) broken.push(`${onConnections - fences} commands on ${stats.size} connections at ${scheduler.now()}`);
      if (stats.waiting > 0 && room > 0) broken.push(`${stats.waiting} waiting with room for ${room} at ${scheduler.now()}`);
    };

    const issue = (nested: boolean, write = false): void => {
      const call: Call = { key: `k${calls.length}`, at: scheduler.now(), sub: undefined, outcome: undefined, cancelledUnsent: false };
      calls.push(call);
      const settle = (outcome: string): void => {
        if (call.outcome !== undefined) broken.push(`${call.key} settled twice`);
        call.outcome = outcome;
        if (nested) issue(false, write);
      };
      const own = write && writes ? stores(call.key) : `v:${call.key}`;
      const command = write && writes ? client.set(call.key, 'x', { noreply: true }) : client.get(call.key);
      call.sub = (command as Observable<unknown>).subscribe({
        next: (value) => settle(value === own ? 'own' : `wrong value ${String(value)}`),
        error: (error: unknown) => settle(explain(error, call, written.has(call.key), scheduler.now(), setup)),
      });
    };
    const act = (s: Step): void => {
      if (s.kind === 'issue') issue(s.nested, s.write);
      else if (s.kind === 'answer') answer(openSocks()[s.socket % Math.max(1, openSocks().length)], s.count);
      else if (s.kind === 'reset') openSocks()[s.socket % Math.max(1, openSocks().length)]?.subscriber.error(new Error('read ECONNRESET'));
      else if (s.kind === 'cancel') {
        const call = calls[s.call % Math.max(1, calls.length)];
        if (call === undefined || call.outcome !== undefined) return;
        call.cancelledUnsent = !written.has(call.key);
        call.outcome = 'cancelled';
        call.sub?.unsubscribe();
      }
    };
    let at = 0;
    for (const s of steps) {
      at += s.kind === 'advance' ? s.ms : 0;
      scheduler.schedule(() => {
        act(s);
        checkSockets();
        checkPool();
      }, at);
    }
    // The end: the server answers everything, time passes, every call must have settled.
    scheduler.schedule(() => {
      for (const sock of openSocks()) answer(sock, sock.owed.length);
    }, at + 1);
    scheduler.schedule(() => {
      for (const call of calls) {
        if (call.outcome === undefined) broken.push(`${call.key} (issued at ${call.at}) never settled`);
        else if (call.outcome !== 'own' && call.outcome !== 'cancelled' && !call.outcome.startsWith('ok:')) broken.push(`${call.key}: ${call.outcome}`);
        if (call.cancelledUnsent && written.has(call.key)) broken.push(`${call.key} written after it was cancelled while waiting`);
      }
      void client.close();
    }, at + 3 * TIMEOUT);
    scheduler.flush();
    if (openSocks().length > 0) broken.push(`${openSocks().length} sockets open after close`);
  });
  return broken;
}

/** Whether the scripted server stores a quiet set of `key`: for even call numbers. */
function stores(key: string): boolean {
  return Number(key.slice(1)) % 2 === 0;
}

/** The requests in a write, in order (a quiet `ms`'s data block is the line after it). */
function requests(data: string): Owed[] {
  const out: Owed[] = [];
  const lines = data.split('\r\n');
  for (let i = 0; i < lines.length; i++) {
    const [verb = '', key = '', ...flags] = (lines[i] ?? '').split(' ');
    const opaque = flags.find((f) => f.startsWith('O')) ?? '';
    if (verb === 'get' || verb === 'mg' || verb === 'ms') out.push({ verb, key, opaque });
    else if (verb === 'mn') out.push({ verb, key: '', opaque: '' });
    if (verb === 'ms') i++;
  }
  return out;
}

/** The server's reply to the oldest `count` requests owed on a socket; a stored quiet set says nothing. */
function answer(sock: Sock | undefined, count: number): void {
  if (sock === undefined) return;
  const owed = sock.owed.splice(0, count);
  const reply = owed.map(({ verb, key, opaque }) => {
    const value = `v:${key}`;
    if (verb === 'get') return `VALUE ${key} 16 ${value.length}\r\n${value}\r\nEND\r\n`;
    if (verb === 'mg') return `VA ${value.length} f16 ${opaque}\r\n${value}\r\n`;
    if (verb === 'ms') return stores(key) ? '' : `NS ${opaque}\r\n`;
    return 'MN\r\n';
  });
  if (reply.join('') !== '') sock.subscriber.next(Buffer.from(reply.join(''), 'latin1'));
}

/** An error is fine when its kind fits what happened to the call; `ok:` marks an explained one. */
function explain(error: unknown, call: Call, wasWritten: boolean, now: number, setup: Setup): string {
  const waited = now - call.at;
  if (error instanceof MemcachePoolTimeoutError) {
    if (wasWritten) return 'pool timeout for a written call';
    return waited >= Math.min(TIMEOUT, setup.acquireTimeout) ? 'ok:pool-timeout' : `pool timeout after ${waited} ms`;
  }
  if (error instanceof MemcacheTimeoutError) return waited >= TIMEOUT ? 'ok:timeout' : `timeout after ${waited} ms`;
  if (error instanceof MemcacheQueueFullError) return wasWritten ? 'queue full for a written call' : 'ok:full';
  const name = error instanceof Error ? error.name : String(error);
  return name === 'MemcacheConnectionError' || name === 'MemcacheUnexpectedCloseError' ? 'ok:network' : `unexpected ${name}`;
}

describe('pool model', () => {
  it(`random programs keep the pool's rules (${RUNS} runs, POOL_SEED=${SEED})`, () => {
    fc.assert(
      fc.property(setups, fc.array(step, { maxLength: 40 }), (setup, steps) => {
        expect(runProgram(setup, steps)).toEqual([]);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it(`meta: random programs with quiet sets keep the pool's rules (${META_RUNS} runs, POOL_SEED=${SEED})`, () => {
    fc.assert(
      fc.property(metaSetups, fc.array(step, { maxLength: 40 }), (setup, steps) => {
        expect(runProgram(setup, steps)).toEqual([]);
      }),
      { numRuns: META_RUNS, seed: SEED },
    );
  });
});
