import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { checkProgram } from './check-program.js';
import { call, incr, pipe, program, store } from './program-builders.js';
import type { Program } from './program.js';

// Counter-examples the client model found (shrunk by fast-check) on the client of issue 9, before the
// write-path fix: a noreply command settled while its batch was being taken, and a large value issued
// from that settlement was written at once, ahead of the batch. Each must pass from now on.

let server: MemcachedServer;
let run = 0;

beforeAll(async () => {
  server = await startMemcached();
});
afterAll(async () => {
  await server.stop();
});

async function problems(p: Program): Promise<readonly string[]> {
  return (await checkProgram(server.spec, p, `model-regression-${++run}-`)).problems;
}

describe('client model counter-examples', () => {
  it('a large set from a noreply set’s subscriber, next to a getMany: each gets its own reply (was: MemcacheUnknownError for both)', async () => {
    const p = program(1000, call(store('set', 'a', 0, true), [call(store('set', 'a', 16384))]), call({ kind: 'getMany', keys: ['a'] }));
    expect(await problems(p)).toEqual([]);
  });

  it('the same next to a cas (was: the cas and the set both failed, and the large value was lost)', async () => {
    const p = program(1000, call(store('set', 'a', 1, true), [call(store('set', 'a', 16384))]), call(store('cas', 'a', 1)));
    expect(await problems(p)).toEqual([]);
  });

  it('a concatMap of a large set and an incr, two levels down, next to a get (was: the large value was overwritten by an older one)', async () => {
    const nested = call(store('set', 'a', 0, true), [pipe('concatMap', [store('set', 'a', 16384), incr('a', 0)])]);
    const p = program(1000, call(store('set', 'a', 1), [nested]), call({ kind: 'get', key: 'a' }));
    expect(await problems(p)).toEqual([]);
  });

  it('incr chains with a cas of a large value in a pipeline, maxPipeline 2 (was: replies crossed)', async () => {
    const deep = call(incr('a', 0), [pipe('concatMap', [store('set', 'a', 200, true), store('cas', 'a', 16384), incr('a', 0)])]);
    const p = program(
      2,
      call(incr('a', 0), [call(store('set', 'a', 0), [deep])]),
      call(incr('a', 0), [pipe('concatMap', [store('set', 'a', 1)])]),
      call({ kind: 'get', key: 'a' }),
    );
    expect(await problems(p)).toEqual([]);
  });
});
