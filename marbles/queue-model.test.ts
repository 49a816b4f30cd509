import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { CallKind } from '../test/model/fake-memcached.js';
import { finishRun } from '../test/model/queue-finish.js';
import { QueueRig, TIMEOUT, type CallSpec, type RigSetup } from '../test/model/queue-rig.js';
import { META_DIALECT } from './helpers/meta-memcached.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Model-based test of the pipelined command queue (issue 9, B), on a fake transport in virtual time:
// random steps issue calls (some from inside other calls' subscribers), deliver the owed reply bytes
// in random pieces, let time pass, unsubscribe, and kill the connection. Invariants: every call
// settles exactly once and in time, with its own reply (or a typed error it can explain); nothing is
// written after its deadline, after its unsubscribe, twice, or out of subscription order; a
// cancelled call never settles; close() leaves no timer and no socket.
// A second run speaks the meta dialect (`protocol: 'meta'`): gets as `mg`, writes as `ms`/`md`, noreply
// ones quiet and closed by `mn`, every reply checked against its opaque token; the same faults then cut
// quiet runs (a drop before the MN, silence, timeouts), and a quiet write must still settle once, with
// its true result or a typed error.
// Reproduce: QUEUE_SEED=<seed> [QUEUE_PATH=<path>] [QUEUE_RUNS=<n>] [QUEUE_META_RUNS=<n>] npx vitest run marbles/queue-model.test.ts
// (-t meta or -t text picks one run; a path replays in the run that printed it).

const RUNS = Number(process.env['QUEUE_RUNS'] ?? 1000);
const META_RUNS = Number(process.env['QUEUE_META_RUNS'] ?? 600);
const SEED = Number(process.env['QUEUE_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const PATH = process.env['QUEUE_PATH'];
const totals = { programs: 0, steps: 0, calls: 0, metaPrograms: 0 };
/** Setups with authentication: a handshake goes first on every connection (see queue-model-regressions.test.ts). */
const AUTH = true;

afterAll(() => {
  console.log(`queue model: ${totals.programs} programs (${totals.metaPrograms} meta), ${totals.steps} steps, ${totals.calls} calls (QUEUE_SEED=${SEED})`);
});

type Step = fc.Command<object, QueueRig>;

/** A step that always applies; it fails as soon as the rig has seen a broken rule. */
function step(label: string, act: (rig: QueueRig) => void): Step {
  return {
    check: () => true,
    run: (_model, rig) => {
      act(rig);
      totals.steps++;
      if (rig.violations.length > 0) throw new Error(rig.violations.join('\n'));
    },
    toString: () => label,
  };
}

const kinds: fc.Arbitrary<CallKind> = fc.constantFrom('get', 'getMany', 'set', 'setNoreply', 'setLarge', 'setLargeNoreply', 'delete', 'deleteNoreply');
const spec: fc.Arbitrary<CallSpec> = fc.letrec<{ spec: CallSpec }>((tie) => ({
  spec: fc.record(
    { kind: kinds, child: fc.option(fc.record({ on: fc.constantFrom('next' as const, 'complete' as const, 'error' as const), spec: tie('spec') }), { nil: undefined, depthSize: 'small' }) },
    { requiredKeys: ['kind'] },
  ),
})).spec;

const describeSpec = (s: CallSpec): string => (s.child === undefined ? s.kind : `${s.kind} {${s.child.on}: ${describeSpec(s.child.spec)}}`);

const issue = spec.map((s) => step(`issue ${describeSpec(s)}`, (rig) => rig.issue(s)));
const deliver = fc
  .tuple(fc.nat(3), fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constant('all' as const)), fc.integer({ min: 1, max: 4 }))
  .map(([k, bytes, pieces]) => step(`deliver ${bytes} bytes in ${pieces} on open connection ${k}`, (rig) => rig.deliver(k, bytes, pieces)));
const advance = fc.constantFrom(0, 1, 10, 400, TIMEOUT - 1, TIMEOUT, TIMEOUT + 500).map((ms) => step(`advance ${ms} ms`, (rig) => rig.loop.advance(ms)));
const stall = fc.constantFrom(TIMEOUT, 2 * TIMEOUT + 1).map((ms) => step(`stall the event loop ${ms} ms`, (rig) => rig.stall(ms)));
const cancel = fc.nat(20).map((k) => step(`cancel waiting call ${k}`, (rig) => rig.cancel(k)));
const drop = fc
  .tuple(fc.nat(3), fc.constantFrom('reset' as const, 'close' as const))
  .map(([k, how]) => step(`server ${how}s open connection ${k}`, (rig) => rig.drop(k, how)));
const lifecycle = fc.constantFrom(
  step('quit', (rig) => rig.quit()),
  step('quit', (rig) => rig.quit()),
  step('close', (rig) => rig.close()),
  step('destroy', (rig) => rig.destroy()),
);
// Listed once per unit of weight: calls and replies are most of a program, failures the spice.
const steps: Array<fc.Arbitrary<Step>> = [issue, issue, issue, issue, deliver, deliver, deliver, advance, advance, cancel, drop, stall, lifecycle];

const setups: fc.Arbitrary<RigSetup> = fc.record({
  maxPipeline: fc.constantFrom(1, 2, 1000),
  // Small bounds now and then, so that refusals happen (their defaults are 1,000,000 and 64 MiB).
  maxQueue: fc.constantFrom(1_000_000, 1_000_000, 3),
  maxQueueBytes: fc.constantFrom(64 * 1024 * 1024, 64 * 1024 * 1024, 100),
  connectAfter: fc.constantFrom<RigSetup['connectAfter']>('sync', 'sync', 7),
  knowsMn: fc.constantFrom(true, true, false),
  auth: AUTH ? fc.boolean() : fc.constant(false),
});

/** A meta server always knows `mn`: the dialect needs it (protocol 'auto' picks text where it is missing). */
const metaSetups: fc.Arbitrary<RigSetup> = setups.map((setup) => ({ ...setup, knowsMn: true, dialect: META_DIALECT }));

function runPrograms(which: fc.Arbitrary<RigSetup>, runs: number): void {
  console.log(`QUEUE_SEED=${SEED}`);
  fc.assert(
    fc.property(which, fc.commands(steps, { maxCommands: 60, size: 'large' }), (setup, commands) => {
      const scheduler = createTestScheduler();
      scheduler.run(() => {
        const rig = new QueueRig(scheduler, setup);
        try {
          fc.modelRun(() => ({ model: {}, real: rig }), commands);
          finishRun(rig);
        } finally {
          rig.dispose();
        }
        totals.programs++;
        if (setup.dialect !== undefined) totals.metaPrograms++;
        totals.calls += rig.calls.length;
        expect(rig.violations).toEqual([]);
      });
    }),
    { numRuns: runs, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }) },
  );
}

describe('command queue against a model, in virtual time', () => {
  it(`text: ${RUNS} random step sequences keep every invariant`, () => runPrograms(setups, RUNS), 300_000);
  it(`meta: ${META_RUNS} random step sequences keep every invariant, quiet runs cut by faults included`, () => runPrograms(metaSetups, META_RUNS), 300_000);
});
