import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { checkProgram } from './check-program.js';
import { describeProgram, programArbitrary } from './program.js';

// Model-based test of a Client against a real memcached (issue 9, B): random programs of commands,
// many issued from inside other commands' subscribers, each checked against a tiny in-memory model.
// Reproduce a run: MODEL_SEED=<seed> [MODEL_PATH=<path>] [MODEL_RUNS=<n>] npx vitest run test/model/client-model.test.ts

const RUNS = Number(process.env['MODEL_RUNS'] ?? 800);
/** The same programs with protocol meta (noreply writes then resolve with the server's answer). */
const META_RUNS = Number(process.env['MODEL_META_RUNS'] ?? 200);
const SEED = Number(process.env['MODEL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const PATH = process.env['MODEL_PATH'];

let server: MemcachedServer;
const totals = { programs: 0, commands: 0 };

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 128 });
});
afterAll(async () => {
  console.log(`client model: ${totals.programs} programs, ${totals.commands} commands (MODEL_SEED=${SEED})`);
  await server.stop();
});

describe('Client against real memcached, checked against a model', () => {
  it(`${RUNS} random programs: every result is the model's, the final contents too, nothing hangs`, async () => {
    console.log(`MODEL_SEED=${SEED}`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(programArbitrary, async (program) => {
        const report = await checkProgram(server.spec, program, `model-${SEED}-${++run}-`);
        totals.programs++;
        totals.commands += report.calls;
        if (report.problems.length > 0) throw new Error(`${report.problems.join('\n')}\nprogram:\n${describeProgram(program)}`);
      }),
      { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) },
    );
  }, 600_000);

  it(`${META_RUNS} random programs with protocol meta: the model's results (noreply ones the server's answer), nothing hangs`, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(programArbitrary, async (program) => {
        const report = await checkProgram(server.spec, program, `meta-${SEED}-${++run}-`, 'meta');
        totals.programs++;
        totals.commands += report.calls;
        if (report.problems.length > 0) throw new Error(`${report.problems.join('\n')}\nprogram:\n${describeProgram(program)}`);
      }),
      { numRuns: META_RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) },
    );
  }, 600_000);
});
