import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DifferentialRig } from './differential-rig.js';
import { storeOp } from './store-ops.js';

// Differential test: random operation sequences run on a real memcached 1.6.18 and on the in-memory
// store; every reply must be byte-identical, and so must the server's deterministic stats counters.
// Any difference is a bug in the store: fix it, and keep the shrunk program in
// memory-store.regressions.test.ts.
// Reproduce a run: STORE_SEED=<seed> [STORE_PATH=<path>] [STORE_RUNS=<n>] npx vitest run test/mock/memory-store.differential.test.ts

const SEED = Number(process.env['STORE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const PATH = process.env['STORE_PATH'];
const RUNS = Number(process.env['STORE_RUNS'] ?? 1000);

let rig: DifferentialRig;
beforeAll(async () => {
  rig = await DifferentialRig.start();
});
afterAll(async () => {
  await rig.stop();
});

it('answers every operation exactly as memcached 1.6.18 does', async () => {
  console.log(`STORE_SEED=${SEED}`);
  await fc.assert(
    fc.asyncProperty(fc.array(storeOp, { minLength: 1, maxLength: 40, size: 'medium' }), async (ops) => {
      expect(await rig.run(ops)).toBeUndefined();
    }),
    // At most 10 s of programs: on a loaded machine fewer run, none fails for it.
    { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }), interruptAfterTimeLimit: 10_000 },
  );
  const { programs, ops, refused } = rig.totals;
  console.log(`store differential: ${programs} programs, ${ops} operations, ${refused} refused as too large (STORE_SEED=${SEED})`);
}, 120_000);
