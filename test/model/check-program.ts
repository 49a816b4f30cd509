import { config } from 'rxjs';
import { Client } from '../../src/index.js';
import { runProgram } from './interpreter.js';
import { MemcacheModel } from './memcache-model.js';
import { brief, describeOutcome } from './outcomes.js';
import { describeOp, KEYS, UNSURE_KEYS, type Program } from './program.js';

/** A program that has not settled after this long has hung (each command has a 10 s timeout of its own). */
export const PROGRAM_LIMIT_MS = 15_000;

/** What one program did, and everything that went wrong in it. */
export interface ProgramReport {
  readonly calls: number;
  readonly problems: readonly string[];
}

/**
 * Runs one program on a fresh client of `server` in key namespace `namespace`, and checks every call's
 * result, the final contents, noreplyErrors$ and errors nobody could receive against the model.
 */
export async function checkProgram(server: string, program: Program, namespace: string, protocol: 'text' | 'meta' = 'text'): Promise<ProgramReport> {
  const client = new Client(server, { keyPrefix: namespace, timeout: 10_000, maxPipeline: program.maxPipeline, protocol });
  // Errors RxJS could not deliver to anyone (a throwing subscriber, a stack overflow) fail the program.
  const unhandled: unknown[] = [];
  const previousHandler = config.onUnhandledError;
  config.onUnhandledError = (error) => unhandled.push(error);
  // None of the programs' commands makes memcached send an error for a noreply command.
  const noreplyErrors: unknown[] = [];
  client.noreplyErrors$.subscribe((error) => noreplyErrors.push(error));
  const run = await runProgram(client, program, PROGRAM_LIMIT_MS);
  const model = new MemcacheModel(protocol === 'meta');
  const problems = [...run.problems, ...model.check(run.calls)];
  if (run.hung) {
    const open = run.calls.filter((c) => c.outcome.kind === 'pending' && !c.cancelled).map((c) => `#${c.seq} ${describeOp(c.op)}`);
    problems.unshift(`hung: not settled within ${PROGRAM_LIMIT_MS} ms: ${open.join(', ')}`);
  }
  // Read back through the same connection: it is served after everything the program wrote.
  if (!run.hung) problems.push(...(await readBack(client, model)));
  config.onUnhandledError = previousHandler;
  for (const error of unhandled) problems.push(`unhandled: ${describeOutcome({ kind: 'error', error })}`);
  for (const error of noreplyErrors) problems.push(`noreplyErrors$: ${describeOutcome({ kind: 'error', error })}`);
  if (problems.length > 0) client.destroy();
  else await client.close();
  return { calls: run.calls.length, problems };
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
