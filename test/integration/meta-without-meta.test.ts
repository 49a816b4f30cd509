import { describe, expect, it } from 'vitest';
import { Client, MemcacheUnknownCommandError, MemcacheUnknownError } from '../../src/index.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { closedAfterEach } from '../support/closed-after-each.js';

// A server without meta commands that answers each unknown line with ERROR, as memcached before 1.6
// does, played by the scripted FAKE server (only memcached 1.6.18 is installed here). A one-line meta
// command just fails; an `ms` is worse: its data block is read as one more command line.
let fake: ScriptedServer | undefined;
let client: Client | undefined;
closedAfterEach(() => client, () => fake);

const settle = (p: PromiseLike<unknown>): Promise<unknown> => Promise.resolve(p).then((r) => r, (e: unknown) => e);

describe('meta commands on a server without them (FAKE pre-1.6 server)', () => {
  it('metaGet, metaDelete, metaArithmetic fail with MemcacheUnknownCommandError; the connection keeps serving', async () => {
    fake = await startScriptedServer();
    client = new Client(fake.spec, { protocol: 'text', timeout: 5000, noreplySentinel: false });
    const c = client;
    await c.set('k', 'v', { noreply: false });
    const outcomes = await Promise.all([settle(c.metaGet('k')), settle(c.get('k')), settle(c.metaDelete('k')), settle(c.metaArithmetic('n')), settle(c.get('k'))]);
    expect(outcomes).toEqual([expect.any(MemcacheUnknownCommandError), 'v', expect.any(MemcacheUnknownCommandError), expect.any(MemcacheUnknownCommandError), 'v']);
    expect(fake.connections).toBe(1);
  });

  it('an ms whose data block the server runs as a command: the ms fails and so does everything in flight, never with the answer of that stray command', async () => {
    fake = await startScriptedServer();
    client = new Client(fake.spec, { protocol: 'text', timeout: 5000, noreplySentinel: false });
    const c = client;
    await c.set('a', 'x', { noreply: false });
    // The server answers `ms …` with ERROR, then runs `delete a` and answers DELETED: that DELETED must
    // not reach the delete of b (absent: its own answer is NOT_FOUND).
    const outcomes = await Promise.all([settle(c.metaSet('k', 'delete a')), settle(c.delete('b', { noreply: false }))]);
    expect(outcomes[1]).not.toBe(true);
    expect(outcomes[0]).toBeInstanceOf(MemcacheUnknownError);
    expect(outcomes[1]).toBeInstanceOf(MemcacheUnknownError);
    expect(await c.delete('b', { noreply: false })).toBe(false);
    expect(fake.connections).toBe(2);
  });
});
