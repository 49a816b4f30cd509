import { describe, expect, it } from 'vitest';
import { finishRun } from '../test/model/queue-finish.js';
import { QueueRig, TIMEOUT, type CallSpec, type RigSetup } from '../test/model/queue-rig.js';
import { createTestScheduler } from './helpers/observable-matcher.js';

// Step sequences the queue model found, shrunk by fast-check: first those that failed on the client of
// issue 9 before its fixes, then those that caught deliberately broken queues (mutants) while the model
// was checked for its power to find bugs. Each runs exactly as the model runs it, and must keep every rule.

type Step = (rig: QueueRig) => void;

function replay(setup: Partial<RigSetup>, steps: readonly Step[]): string[] {
  const ticks = createTestScheduler();
  let violations: string[] = [];
  ticks.run(() => {
    const rig = new QueueRig(ticks, { maxPipeline: 1000, maxQueue: 1_000_000, maxQueueBytes: 64 * 1024 * 1024, connectAfter: 'sync', knowsMn: true, auth: false, ...setup });
    try {
      for (const step of steps) step(rig);
      finishRun(rig);
    } finally {
      rig.dispose();
    }
    violations = rig.violations;
  });
  return violations;
}

const issue = (spec: CallSpec): Step => (rig) => rig.issue(spec);
const advance = (ms: number): Step => (rig) => rig.loop.advance(ms);
const deliver = (bytes: number): Step => (rig) => rig.deliver(0, bytes, 1);
const stall = (ms: number): Step => (rig) => rig.stall(ms);
const next = (spec: CallSpec): CallSpec['child'] => ({ on: 'next', spec });

describe('queue model counter-examples from the client before the fixes', () => {
  it('a large set issued from a noreply delete’s subscriber is written after it, and gets its own reply', () => {
    expect(replay({}, [issue({ kind: 'deleteNoreply', child: next({ kind: 'setLarge' }) })])).toEqual([]);
  });

  it('two levels of large noreply sets issued from subscribers keep subscription order', () => {
    const spec: CallSpec = { kind: 'get', child: next({ kind: 'setLargeNoreply', child: next({ kind: 'setLargeNoreply' }) }) };
    expect(replay({ maxPipeline: 2 }, [issue(spec)])).toEqual([]);
  });

  it('maxPipeline 1: a get queued behind a silent one does not time out before its own deadline', () => {
    expect(replay({ maxPipeline: 1 }, [issue({ kind: 'get' }), advance(1), issue({ kind: 'get' }), advance(TIMEOUT)])).toEqual([]);
  });

  it('maxPipeline 1: a get queued behind a reply that never finishes does not time out before its own deadline', () => {
    const steps = [issue({ kind: 'get' }), advance(0), deliver(1), advance(TIMEOUT + 500), issue({ kind: 'get' }), advance(TIMEOUT - 1)];
    expect(replay({ maxPipeline: 1 }, steps)).toEqual([]);
  });

  it('maxPipeline 1, slow connect: a get issued from a get’s subscriber survives the silence drop of the one before it', () => {
    expect(replay({ maxPipeline: 1, connectAfter: 7 }, [issue({ kind: 'get', child: next({ kind: 'get' }) }), issue({ kind: 'get' })])).toEqual([]);
  });

  it('a reply that arrived while the event loop was blocked past the deadline is read before the deadline is judged', () => {
    expect(replay({ maxPipeline: 1 }, [issue({ kind: 'get' }), stall(TIMEOUT)])).toEqual([]);
  });
});

describe('queue model counter-examples that caught broken queues', () => {
  it('no silence drop while chunks arrive (caught a queue that ignored received chunks)', () => {
    const spec: CallSpec = { kind: 'get', child: { on: 'error', spec: { kind: 'get', child: next({ kind: 'get' }) } } };
    const steps = [issue(spec), advance(TIMEOUT + 500), issue({ kind: 'get' }), deliver(1), advance(TIMEOUT - 1)];
    expect(replay({ maxPipeline: 2 }, steps)).toEqual([]);
  });

  it('written commands of a reset connection are failed, not written again (caught a queue that requeued them)', () => {
    const steps = [issue({ kind: 'get', child: next({ kind: 'get' }) }), advance(0), deliver(5), advance(10), (rig: QueueRig) => rig.drop(0, 'reset'), issue({ kind: 'get' })];
    expect(replay({ maxPipeline: 1 }, steps)).toEqual([]);
  });

  it('a command is never written at its deadline (caught a queue that wrote it then)', () => {
    expect(replay({ maxPipeline: 1 }, [issue({ kind: 'get' }), issue({ kind: 'get' }), stall(TIMEOUT)])).toEqual([]);
  });

  it('an unsubscribed get never settles, even when its late reply comes (caught a queue that settled detached commands)', () => {
    expect(replay({ maxPipeline: 1 }, [issue({ kind: 'get' }), advance(0), (rig: QueueRig) => rig.cancel(0), stall(TIMEOUT)])).toEqual([]);
  });
});

describe('handshake bugs the queue model found in the first fixed client', () => {
  it('auth: a connection lost before its handshake was written leaves no handshake behind (the next connection gets the credentials twice)', () => {
    expect(replay({ auth: true }, [issue({ kind: 'get' }), (rig) => rig.drop(0, 'reset'), advance(0)])).toEqual([]);
  });

  it('auth: the handshake does not count against maxQueue (the third of three gets failed: "3 commands already wait")', () => {
    expect(replay({ auth: true, maxPipeline: 1, maxQueue: 3 }, [issue({ kind: 'get' }), issue({ kind: 'get' }), issue({ kind: 'get' })])).toEqual([]);
  });
});

describe('found by a longer queue-model run (QUEUE_RUNS=40000, QUEUE_SEED=960140156)', () => {
  it('a command written on a link opened from a failure callback, during a silent drop, still fails at its own deadline', () => {
    // At 1000 both first gets time out and the silent link goes; the second get's error callback issues a
    // large set, which opens a new link at once and takes the waiting get along. The dropped link's alarm
    // was cancelled; the waiting get's deadline (1400) must still be applied on the new link.
    const steps = [
      issue({ kind: 'get' }),
      issue({ kind: 'get', child: { on: 'error', spec: { kind: 'setLarge' } } }),
      advance(400),
      issue({ kind: 'get' }),
      advance(1500),
      (rig: QueueRig) => rig.drop(0, 'reset'),
    ];
    expect(replay({ maxPipeline: 2 }, steps)).toEqual([]);
  });
});
