import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { metaDelete, metaGet, metaNoop, metaSet, type MetaReply } from '../src/commands/meta.js';
import { MemcacheError, MemcacheUnknownError } from '../src/errors.js';
import type { Frame } from '../src/protocol/frames.js';
import type { Request } from '../src/protocol/request.js';
import { chars, crlf, cuttings, data, parse } from './support/meta-streams.js';

// Meta replies against the requests they answer, through the parser and the meta readers: for any
// reply stream, honest or out of step, a request settles only with its own reply; otherwise the
// connection fails, the request fails, or it is still waiting. Never another request's answer.

type Kind = 'hit' | 'miss' | 'ms' | 'md' | 'mn';
interface Exchange {
  readonly request: Request<MetaReply> | Request<true>;
  /** The honest reply's bytes. */
  readonly reply: Buffer;
  readonly opaque: string;
  readonly kind: Kind;
}

const opaqueArb = chars(0x21, 0x7e, 1, 32).filter((o) => !o.includes(' '));
const exchange = (kind: Kind, opaque: string, extra: readonly string[], value: Buffer, i: number): Exchange => {
  const key = { token: `k${i}`, binary: false };
  const shuffled = (status: string): Buffer => crlf([status, ...extra.slice(0, 1), `O${opaque}`, ...extra.slice(1)].join(' '));
  switch (kind) {
    case 'hit': {
      const body = Buffer.concat([Buffer.from(`${i}:`), value]);
      const header = ['VA', String(body.length), 'f16', ...extra.slice(0, 1), `O${opaque}`, ...extra.slice(1)].join(' ');
      return { kind, opaque, request: metaGet(key, opaque, ['v', 'f']), reply: Buffer.concat([crlf(header), body, crlf('')]) };
    }
    case 'miss':
      return { kind, opaque, request: metaGet(key, opaque, ['v', 'f']), reply: shuffled('EN') };
    case 'ms':
      return { kind, opaque, request: metaSet(key, value, opaque, ['T0']), reply: shuffled(value.length % 2 === 0 ? 'HD' : 'NS') };
    case 'md':
      return { kind, opaque, request: metaDelete(key, opaque, []), reply: shuffled(value.length % 2 === 0 ? 'HD' : 'NF') };
    case 'mn':
      return { kind, opaque: '', request: metaNoop(), reply: crlf('MN') };
  }
};
// Return flags a server might add (never O: the opaque is the test's).
const extraFlag = fc.tuple(fc.constantFrom(...'cfhklstWXZb'), chars(0x21, 0x7e, 0, 8)).map(([l, v]) => l + v);
const exchanges = fc
  .array(fc.tuple(fc.constantFrom<Kind>('hit', 'miss', 'ms', 'md', 'mn'), fc.array(extraFlag, { maxLength: 3 }), data), { minLength: 1, maxLength: 10 })
  .chain((specs) => fc.tuple(fc.constant(specs), fc.uniqueArray(opaqueArb, { minLength: specs.length, maxLength: specs.length })))
  .map(([specs, opaques]) => specs.map(([kind, extra, value], i) => exchange(kind, opaques[i] as string, extra, value, i)));

/** How the honest replies are put out of step (or not). */
type Fault =
  | { t: 'none' }
  | { t: 'swap'; i: number; j: number }
  | { t: 'drop'; i: number }
  | { t: 'dup'; i: number }
  | { t: 'opaque'; i: number; to: string }
  | { t: 'insert'; i: number; bytes: Buffer }
  | { t: 'status'; i: number };
const faultArb = (n: number): fc.Arbitrary<Fault> => {
  const i = fc.nat(n - 1);
  return fc.oneof(
    fc.constant<Fault>({ t: 'none' }),
    fc.tuple(i, i).map(([a, b]): Fault => ({ t: 'swap', i: a, j: b })),
    i.map((a): Fault => ({ t: 'drop', i: a })),
    i.map((a): Fault => ({ t: 'dup', i: a })),
    fc.tuple(i, fc.oneof(fc.constant(''), opaqueArb)).map(([a, to]): Fault => ({ t: 'opaque', i: a, to })),
    fc.tuple(fc.nat(n), fc.constantFrom('MN', 'END', 'STORED', 'ERROR', 'HD', 'EN Ostray', 'VALUE k 0 1\r\nx', 'VA 1 Ostray\r\nx')).map(([a, text]): Fault => ({ t: 'insert', i: a, bytes: crlf(text) })),
    i.map((a): Fault => ({ t: 'status', i: a })),
  );
};

function applyFault(xs: readonly Exchange[], fault: Fault): Buffer[] {
  const replies = xs.map((x) => x.reply);
  const x = 'i' in fault ? xs[fault.i] : undefined;
  switch (fault.t) {
    case 'none':
      return replies;
    case 'swap':
      [replies[fault.i], replies[fault.j]] = [replies[fault.j] as Buffer, replies[fault.i] as Buffer];
      return replies;
    case 'drop':
      return replies.filter((_, k) => k !== fault.i);
    case 'dup':
      return replies.flatMap((r, k) => (k === fault.i ? [r, r] : [r]));
    case 'opaque': {
      if (x === undefined || x.kind === 'mn') return replies;
      replies[fault.i] = Buffer.from(x.reply.toString('latin1').replace(` O${x.opaque}`, fault.to === '' ? '' : ` O${fault.to}`), 'latin1');
      return replies;
    }
    case 'insert':
      return [...replies.slice(0, fault.i), fault.bytes, ...replies.slice(fault.i)];
    case 'status': {
      // The right opaque with a status this request cannot have: a hit without its value, a value to a write.
      if (x === undefined || x.kind === 'mn') return replies;
      replies[fault.i] = x.kind === 'hit' || x.kind === 'miss' ? crlf(`HD O${x.opaque}`) : Buffer.concat([crlf(`VA 1 O${x.opaque}`), crlf('x')]);
      return replies;
    }
  }
}

type Outcome = { value: unknown } | { error: unknown } | 'pending' | 'dropped';

/** Hands frames to the requests in order, as the connection's queue does: a reader that throws, or a frame nobody waits for, drops the connection. */
function deliver(xs: readonly Exchange[], frames: readonly Frame[]): { outcomes: Outcome[]; dropped: unknown } {
  const readers = xs.map((x) => (x.request.reader as () => { read(f: Frame): boolean; result(): unknown })());
  const outcomes: Outcome[] = xs.map(() => 'pending');
  let at = 0;
  for (const frame of frames) {
    const reader = readers[at];
    if (reader === undefined) return { outcomes, dropped: new MemcacheUnknownError('a frame nobody waits for') };
    try {
      if (!reader.read(frame)) continue;
    } catch (error) {
      return { outcomes: outcomes.map((o) => (o === 'pending' ? 'dropped' : o)), dropped: error };
    }
    try {
      outcomes[at] = { value: reader.result() };
    } catch (error) {
      outcomes[at] = { error };
    }
    at++;
  }
  return { outcomes, dropped: undefined };
}

const normalized = (outcome: Outcome): unknown => {
  if (typeof outcome === 'string' || !('value' in outcome) || outcome.value === true) return outcome;
  const reply = outcome.value as MetaReply;
  return { status: reply.status, flags: [...reply.flags], value: reply.value?.toString('hex') };
};

describe('meta replies against their requests', () => {
  it('every request settles with its own reply, or fails, or still waits — whatever the server sends', () => {
    const arb = exchanges.chain((xs) => fc.tuple(fc.constant(xs), faultArb(xs.length), fc.array(fc.nat(4000), { maxLength: 20 })));
    fc.assert(
      fc.property(arb, ([xs, fault, cuts]) => {
        const honest = deliver(xs, parse([Buffer.concat(xs.map((x) => x.reply))]));
        expect(honest.dropped).toBeUndefined();
        for (const [k, x] of xs.entries()) {
          const o = honest.outcomes[k] as { value: MetaReply | true };
          if (x.kind === 'mn') expect(o.value).toBe(true);
          else expect((o.value as MetaReply).flags.get('O')).toBe(x.opaque);
        }
        const bytes = Buffer.concat(applyFault(xs, fault));
        const perturbed = !bytes.equals(Buffer.concat(xs.map((x) => x.reply)));
        for (const chunks of cuttings(bytes, cuts).slice(0, 2)) {
          const { outcomes, dropped } = deliver(xs, parse(chunks));
          for (const [k, o] of outcomes.entries()) {
            if (typeof o !== 'string' && 'value' in o) expect(normalized(o)).toEqual(normalized(honest.outcomes[k] as Outcome));
            if (typeof o !== 'string' && 'error' in o) expect(o.error).toBeInstanceOf(MemcacheError);
          }
          if (dropped !== undefined) expect(dropped).toBeInstanceOf(MemcacheUnknownError);
          // A stream out of step is noticed: the link drops, a request fails or one is left waiting.
          const noticed = dropped !== undefined || outcomes.some((o) => typeof o === 'string' || 'error' in o);
          if (perturbed) expect(noticed).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
