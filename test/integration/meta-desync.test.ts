import { describe, expect, it } from 'vitest';
import { Client, MemcacheUnknownError } from '../../src/index.js';
import { startMetaFakeServer, type MetaFakeServer, type MetaRequest } from '../support/meta-fake-server.js';
import { closedAfterEach } from '../support/closed-after-each.js';

// Meta replies out of step with their requests, played by a FAKE server (memcached never sends them):
// the first reply that cannot be its request's fails that command and everything after it on the
// connection with MemcacheUnknownError; nothing resolves with another request's answer; the next
// command runs on a new connection.
let fake: MetaFakeServer | undefined;
let client: Client | undefined;
closedAfterEach(() => client, () => fake);

const honest = (rs: readonly MetaRequest[]): string[] => rs.map((r) => r.reply);
const opaqueOf = (r: MetaRequest | undefined): string => r?.opaque ?? '';
/** Replaces the ` O<token>` of a reply (`to` = '' strips it). */
const reOpaque = (reply: string, from: string, to: string): string => reply.replace(` O${from}`, to === '' ? '' : ` O${to}`);

interface Case {
  readonly name: string;
  /** Index of the first reply the client must refuse. */
  readonly bad: number;
  readonly rewrite: (rs: readonly MetaRequest[]) => string;
}

// The batch: mg k0 (hit), mg k1 (hit), ms k2, md k3 (hit), mg k4 (miss).
const CASES: Case[] = [
  {
    name: 'two replies swapped (each with the other request’s opaque)',
    bad: 0,
    rewrite: (rs) => {
      const r = honest(rs);
      return [r[1], r[0], ...r.slice(2)].join('');
    },
  },
  { name: 'a reply with an opaque nobody sent', bad: 1, rewrite: (rs) => honest(rs).map((r, i) => (i === 1 ? reOpaque(r, opaqueOf(rs[1]), 'zz') : r)).join('') },
  { name: 'a reply without O', bad: 0, rewrite: (rs) => honest(rs).map((r, i) => (i === 0 ? reOpaque(r, opaqueOf(rs[0]), '') : r)).join('') },
  { name: 'a reply missing (as if sent quietly)', bad: 0, rewrite: (rs) => honest(rs).slice(1).join('') },
  { name: 'the last reply with a wrong opaque', bad: 4, rewrite: (rs) => honest(rs).map((r, i) => (i === 4 ? reOpaque(r, opaqueOf(rs[4]), opaqueOf(rs[0])) : r)).join('') },
  {
    name: 'an MN nobody asked for',
    bad: 2,
    rewrite: (rs) => {
      const r = honest(rs);
      return [...r.slice(0, 2), 'MN\r\n', ...r.slice(2)].join('');
    },
  },
  {
    name: 'a VA (with the right opaque) where the ms was due HD',
    bad: 2,
    rewrite: (rs) => honest(rs).map((r, i) => (i === 2 ? `VA 5 f16 O${opaqueOf(rs[2])}\r\nwrong\r\n` : r)).join(''),
  },
  {
    name: 'an HD (with the right opaque) where the mg was due a VA',
    bad: 1,
    rewrite: (rs) => honest(rs).map((r, i) => (i === 1 ? `HD O${opaqueOf(rs[1])}\r\n` : r)).join(''),
  },
  {
    name: 'a VA (with the right opaque) where the md was due HD',
    bad: 3,
    rewrite: (rs) => honest(rs).map((r, i) => (i === 3 ? `VA 2 O${opaqueOf(rs[3])}\r\nhi\r\n` : r)).join(''),
  },
];

describe('meta desync (FAKE server)', () => {
  it.each(CASES)('$name: that reply and every later one in flight fail, none is misdelivered', async ({ bad, rewrite }) => {
    fake = await startMetaFakeServer([{ batch: 5, rewrite }]);
    for (const i of [0, 1, 3]) fake.items.set(`k${i}`, { data: `v${i}`, flags: '16' });
    client = new Client(fake.spec, { protocol: 'text', timeout: 5000 });
    const c = client;
    const commands: Array<Promise<unknown>> = [c.metaGet('k0'), c.metaGet('k1'), c.metaSet('k2', 'new'), c.metaDelete('k3'), c.metaGet('k4')].map(
      (command) => command.then((r) => r, (e: unknown) => e),
    );
    const outcomes = await Promise.all(commands);
    const expected: unknown[] = [
      expect.objectContaining({ hit: true, value: 'v0' }),
      expect.objectContaining({ hit: true, value: 'v1' }),
      { status: 'stored', stored: true },
      { status: 'deleted', deleted: true },
      expect.objectContaining({ hit: false }),
    ];
    for (const [i, outcome] of outcomes.entries()) {
      if (i < bad) expect(outcome).toEqual(expected[i]);
      else expect(outcome, `command ${i}`).toBeInstanceOf(MemcacheUnknownError);
    }
    // The next command gets its own answer on a new connection.
    expect(await c.metaGet('k1')).toMatchObject({ hit: true, value: 'v1' });
    expect(await c.metaGet('k0', { value: false })).toMatchObject({ hit: true });
    expect(fake.received.length).toBe(2);
  });

  it('text commands and an mn in flight beside a desynced meta reply fail with it', async () => {
    fake = await startMetaFakeServer([{ batch: 3, rewrite: (rs) => honest(rs).map((r, i) => (i === 0 ? reOpaque(r, opaqueOf(rs[0]), 'zz') : r)).join('') }]);
    fake.items.set('k', { data: 'v', flags: '16' });
    client = new Client(fake.spec, { protocol: 'text', timeout: 5000 });
    const c = client;
    const outcomes = await Promise.all([c.metaGet('k'), c.get('k'), c.metaNoop()].map((p: PromiseLike<unknown>) => p.then((r) => r, (e: unknown) => e)));
    for (const outcome of outcomes) expect(outcome).toBeInstanceOf(MemcacheUnknownError);
    expect(await c.get('k')).toBe('v');
    expect((await c.metaNoop()).size).toBe(1);
  });
});
