import fc from 'fast-check';
import { config } from 'rxjs';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Client } from '../../src/index.js';
import { startMemcached, type MemcachedServer } from '../support/memcached.js';
import { runProgram } from './interpreter.js';
import { brief, describeOutcome, MemcacheModel } from './memcache-model.js';
import { describeOp, describeProgram, KEYS, programArbitrary, UNSURE_KEYS, type Program } from './program.js';

// Model-based test of a Client against a real memcached (issue 9, B): random programs of commands,
// many issued from inside other commands' subscribers, each checked against a tiny in-memory model.
// Reproduce a run: MODEL_SEED=<seed> [MODEL_PATH=<path>] [MODEL_RUNS=<n>] npx vitest run test/model/client-model.test.ts

const RUNS = Number(process.env['MODEL_RUNS'] ?? 800);
const SEED = Number(process.env['MODEL_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const PATH = process.env['MODEL_PATH'];
/** A program that has not settled after this long has hung (each command has a 10 s timeout of its own). */
const PROGRAM_LIMIT_MS = 15_000;

let server: MemcachedServer;
const totals = { programs: 0, commands: 0 };
/** Errors RxJS could not deliver to anyone (a throwing subscriber, a stack overflow): each one fails the program. */
let unhandled: unknown[] = [];
const previousHandler = config.onUnhandledError;

beforeAll(async () => {
  server = await startMemcached({ memoryMb: 128 });
  config.onUnhandledError = (error) => unhandled.push(error);
});
afterAll(async () => {
  config.onUnhandledError = previousHandler;
  console.log(`client model: ${totals.programs} programs, ${totals.commands} commands (MODEL_SEED=${SEED})`);
  await server.stop();
});

/** Runs one program on a fresh client in a key namespace of its own; returns everything that went wrong. */
async function check(program: Program, namespace: string): Promise<string[]> {
  const client = new Client(server.spec, { keyPrefix: namespace, timeout: 10_000, maxPipeline: program.maxPipeline });
  unhandled = [];
  // None of the programs' commands makes memcached send an error for a noreply command.
  const noreplyErrors: unknown[] = [];
  client.noreplyErrors$.subscribe((error) => noreplyErrors.push(error));
  const run = await runProgram(client, program, PROGRAM_LIMIT_MS);
  totals.programs++;
  totals.commands += run.calls.length;
  const model = new MemcacheModel();
  const problems = [...run.problems, ...model.check(run.calls)];
  if (run.hung) {
    const open = run.calls.filter((c) => c.outcome.kind === 'pending' && !c.cancelled).map((c) => `#${c.seq} ${describeOp(c.op)}`);
    problems.unshift(`hung: not settled within ${PROGRAM_LIMIT_MS} ms: ${open.join(', ')}`);
  }
  for (const error of unhandled) problems.push(`unhandled: ${describeOutcome({ kind: 'error', error })}`);
  for (const error of noreplyErrors) problems.push(`noreplyErrors$: ${describeOutcome({ kind: 'error', error })}`);
  // Read back through the same connection: it is served after everything the program wrote.
  if (!run.hung) problems.push(...(await readBack(client, model)));
  if (problems.length > 0 || run.hung) client.destroy();
  else await client.close();
  return problems;
}

async function readBack(client: Client, model: MemcacheModel): Promise<string[]> {
  const problems: string[] = [];
  let stored: Map<string, unknown>;
  try {
    stored = await client.getMany([...KEYS, ...UNSURE_KEYS]);
  } catch (error) {
    return [`reading the final contents failed: ${describeOutcome({ kind: 'error', error })}`];
  }
  const expected = model.contents();
  for (const key of KEYS) {
    if (stored.get(key) !== expected.get(key)) problems.push(`final ${key}: ${brief(stored.get(key))}, the model says ${brief(expected.get(key))}`);
  }
  for (const key of UNSURE_KEYS) {
    const possible = model.possible(key);
    const value = stored.get(key);
    if (!possible.has(value as string | undefined)) {
      problems.push(`final ${key}: ${brief(value)}, the model allows only ${[...possible].map(brief).join(' | ')}`);
    }
  }
  return problems;
}

describe('Client against real memcached, checked against a model', () => {
  it(`${RUNS} random programs: every result is the model's, the final contents too, nothing hangs`, async () => {
    console.log(`MODEL_SEED=${SEED}`);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(programArbitrary, async (program) => {
        const problems = await check(program, `model-${SEED}-${++run}-`);
        if (problems.length > 0) throw new Error(`${problems.join('\n')}\nprogram:\n${describeProgram(program)}`);
      }),
      { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) },
    );
  }, 600_000);
});
