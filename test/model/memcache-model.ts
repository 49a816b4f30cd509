import { isDeepStrictEqual } from 'node:util';
import { MemcacheError } from '../../src/index.js';
import { brief, describeOutcome, type Outcome } from './outcomes.js';
import { describeOp, valueFor, type Op } from './program.js';

// A memcached of a few dozen lines: what one connection's commands do, applied in the order they
// were subscribed (memcached serves a connection's requests in order, and the client must write them
// in subscription order). Its answers are compared with what each call actually got.

/** One call as the interpreter ran it. */
export interface Call {
  /** Position in subscription order. */
  readonly seq: number;
  readonly op: Op;
  /** The value written (writes only). */
  readonly value: string | undefined;
  /** The cas token sent (cas only). */
  readonly token: string | undefined;
  outcome: Outcome;
  /** Unsubscribed before it settled: its outcome is unknown, and so is a write's effect. */
  cancelled: boolean;
}

type Expected = { readonly kind: 'value'; readonly value: unknown } | { readonly kind: 'error'; readonly code: string };

interface Item {
  value: string;
  /** The model's version of the item; each modification makes a new one, as memcached's cas unique does. */
  version: number;
}

const U64 = 1n << 64n;

export class MemcacheModel {
  /**
   * @param truthful noreply commands resolve with the server's answer (protocol meta: quiet writes and
   *   answered counters), not with the fixed value text noreply resolves with.
   */
  constructor(private readonly truthful = false) {}

  private readonly items = new Map<string, Item>();
  /** Keys only cancellable sets touch: every value they may hold. */
  private readonly unsure = new Map<string, Set<string | undefined>>();
  /** Server cas tokens seen in gets replies, and the versions they stand for (both ways: one-to-one). */
  private readonly tokenToVersion = new Map<string, number>();
  private readonly versionToToken = new Map<number, string>();
  private versions = 0;

  /** Replays the calls in subscription order; returns every disagreement, described. */
  check(calls: readonly Call[]): string[] {
    const problems: string[] = [];
    for (const call of [...calls].sort((x, y) => x.seq - y.seq)) {
      const problem = this.apply(call);
      if (problem !== undefined) problems.push(`#${call.seq} ${describeOp(call.op)}: ${problem}`);
    }
    return problems;
  }

  /** The value each key must hold now (undefined: absent). */
  contents(): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    for (const [key, item] of this.items) out.set(key, item.value);
    return out;
  }

  /** Every value an unsure key may hold now. */
  possible(key: string): ReadonlySet<string | undefined> {
    return this.unsure.get(key) ?? new Set([undefined]);
  }

  private apply(call: Call): string | undefined {
    const { op, outcome } = call;
    if (op.kind === 'unsureSet') return this.applyUnsure(call, op.key);
    // A cancelled read changes nothing and may have heard nothing; only reads are ever cancelled here.
    if (call.cancelled && outcome.kind === 'pending') return undefined;
    if (outcome.kind === 'pending') return 'never settled';
    const expected = this.expect(op, call.value ?? '', call.token, call.seq);
    if (op.kind === 'gets') return this.compareGets(op.key, outcome, expected);
    if (op.kind === 'getsMany') return this.compareGetsMany(outcome, expected);
    return compare(outcome, expected);
  }

  private applyUnsure(call: Call, key: string): string | undefined {
    const { outcome, value } = call;
    const now = this.unsure.get(key) ?? new Set([undefined]);
    if (outcome.kind === 'pending') {
      if (!call.cancelled) return 'never settled';
      now.add(value);
    } else {
      const problem = compare(outcome, { kind: 'value', value: true });
      if (problem !== undefined) return problem;
      now.clear();
      now.add(value);
    }
    this.unsure.set(key, now);
    return undefined;
  }

  /** What memcached answers (and does) for one call. */
  private expect(op: Op, value: string, token: string | undefined, seq: number): Expected {
    const ok = (v: unknown): Expected => ({ kind: 'value', value: v });
    const item = 'key' in op ? this.items.get(op.key) : undefined;
    const quiet = (result: unknown): Expected => ok('noreply' in op && op.noreply && !this.truthful ? noreplyValue(op) : result);
    switch (op.kind) {
      case 'get':
        return ok(item?.value);
      case 'gets':
        return ok(item === undefined ? undefined : { value: item.value, cas: item.version });
      case 'getMany':
      case 'getsMany': {
        const hits = new Map<string, unknown>();
        for (const k of op.keys) {
          const hit = this.items.get(k);
          if (hit !== undefined) hits.set(k, op.kind === 'getMany' ? hit.value : { value: hit.value, cas: hit.version });
        }
        return ok(hits);
      }
      case 'setMany':
        op.entries.forEach((e, j) => this.store(e.key, valueFor(seq, e.size, `/${j}`), ok(true)));
        return ok([]);
      case 'deleteMany':
        for (const k of op.keys) this.items.delete(k);
        return ok(true);
      case 'set':
        return this.store(op.key, value, quiet(true));
      case 'counter':
        return this.store(op.key, String(op.start), ok(true));
      case 'add':
        return item === undefined ? this.store(op.key, value, quiet(true)) : quiet(false);
      case 'replace':
        return item === undefined ? quiet(false) : this.store(op.key, value, quiet(true));
      case 'append':
        return item === undefined ? quiet(false) : this.store(op.key, item.value + value, quiet(true));
      case 'prepend':
        return item === undefined ? quiet(false) : this.store(op.key, value + item.value, quiet(true));
      case 'touch':
        // A new expiry, not a new version: touch leaves the cas unique alone.
        return quiet(item !== undefined);
      case 'cas':
        if (item === undefined) return quiet(null);
        if (token === undefined || this.tokenToVersion.get(token) !== item.version) return quiet(false);
        return this.store(op.key, value, quiet(true));
      case 'delete':
        if (item === undefined) return quiet(false);
        this.items.delete(op.key);
        return quiet(true);
      case 'incr':
        return this.incr(op.key, item, op.delta, op.noreply && !this.truthful);
      case 'unsureSet':
        throw new Error('unsure sets are applied apart');
    }
  }

  /** memcached's do_add_delta: wraps at 2^64; a shorter result is padded with spaces in place. */
  private incr(key: string, item: Item | undefined, delta: number, noreply: boolean): Expected {
    if (item === undefined) return { kind: 'value', value: null };
    if (!/^[0-9]{1,20}$/.test(item.value.trimEnd()) || BigInt(item.value.trimEnd()) >= U64) {
      return noreply ? { kind: 'value', value: null } : { kind: 'error', code: 'MEMCACHE_CLIENT_ERROR' };
    }
    const next = (BigInt(item.value.trimEnd()) + BigInt(delta)) % U64;
    const text = String(next);
    return this.store(key, text.length < item.value.length ? text.padEnd(item.value.length, ' ') : text, { kind: 'value', value: noreply ? null : next });
  }

  /** Stores a new version of the item and answers `reply`. */
  private store(key: string, value: string, reply: Expected): Expected {
    this.items.set(key, { value, version: ++this.versions });
    return reply;
  }

  /** A gets result: the value must match, and its token must stand for exactly the model's version. */
  private compareGets(key: string, outcome: Outcome, expected: Expected): string | undefined {
    const want = expected.kind === 'value' ? (expected.value as { value: string; cas: number } | undefined) : undefined;
    if (outcome.kind !== 'value') return compare(outcome, expected);
    const got = outcome.value as { value: unknown; cas: unknown };
    if (want === undefined) return compare(outcome, { kind: 'value', value: { value: undefined, cas: undefined } });
    return this.compareHit(key, got, want);
  }

  /** A getsMany result: the same keys, each hit checked like a gets. */
  private compareGetsMany(outcome: Outcome, expected: Expected): string | undefined {
    if (outcome.kind !== 'value' || expected.kind !== 'value') return compare(outcome, expected);
    const got = outcome.value as Map<string, { value: unknown; cas: unknown }>;
    const want = expected.value as Map<string, { value: string; cas: number }>;
    if (!isDeepStrictEqual([...got.keys()].sort(), [...want.keys()].sort())) return `got hits for ${[...got.keys()].join(',')}, the model says ${[...want.keys()].join(',')}`;
    for (const [key, hit] of want) {
      const problem = this.compareHit(key, got.get(key) ?? { value: undefined, cas: undefined }, hit);
      if (problem !== undefined) return `${key}: ${problem}`;
    }
    return undefined;
  }

  private compareHit(key: string, got: { value: unknown; cas: unknown }, want: { value: string; cas: number }): string | undefined {
    if (!isDeepStrictEqual(got.value, want.value)) return `got ${brief(got.value)}, the model says ${brief(want.value)}`;
    const token = String(got.cas);
    const known = this.tokenToVersion.get(token);
    const mapped = this.versionToToken.get(want.cas);
    if ((known !== undefined && known !== want.cas) || (mapped !== undefined && mapped !== token)) {
      return `cas token ${token} does not belong to ${key}'s current version (token seen for version ${String(known)}, version seen with ${String(mapped)})`;
    }
    this.tokenToVersion.set(token, want.cas);
    this.versionToToken.set(want.cas, token);
    return undefined;
  }
}

function noreplyValue(op: Op): unknown {
  if (op.kind === 'setMany') return [];
  return op.kind === 'incr' ? null : true;
}

function compare(outcome: Outcome, expected: Expected): string | undefined {
  if (outcome.kind === 'pending') return 'never settled';
  if (expected.kind === 'error') {
    if (outcome.kind === 'error' && outcome.error instanceof MemcacheError && outcome.error.code === expected.code) return undefined;
    return `got ${describeOutcome(outcome)}, the model says an error ${expected.code}`;
  }
  if (outcome.kind === 'value' && isDeepStrictEqual(outcome.value, expected.value)) return undefined;
  return `got ${describeOutcome(outcome)}, the model says ${brief(expected.value)}`;
}
