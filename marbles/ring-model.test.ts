import fc from 'fast-check';
import { describe, it } from 'vitest';
import { ketamaHasher, rendezvousHasher } from '../src/index.js';
import { runProgram, type Setup } from './ring-harness.js';
import { POOL, type Entry } from './ring-model.js';
import { Join, Reweight, SetList, setups, steps } from './ring-steps.js';

// Model-based test of HashClient's ring: random programs of servers joining, leaving, being re-weighted
// or replaced wholesale, failing, recovering, becoming (un)reachable, and time passing (so dead servers
// are probed), in RxJS virtual time. After every step the real ring must equal the model's: the same
// live servers, every key on the hasher's choice over them, and ring$ emitting once per change of the
// live set and never otherwise. Health goes through the real lifecycle (ServerNode); probes go through
// a real Client over a fake transport.

describe('the ring under random membership and health changes', () => {
  const hashers = [
    ['rendezvous', rendezvousHasher()],
    ['ketama', ketamaHasher()],
  ] as const;

  for (const [label, hasher] of hashers) {
    it(`matches the model after every step (${label})`, () => {
      fc.assert(
        fc.property(setups, fc.commands(steps, { maxCommands: 30, size: 'max' }), (setup, program) => runProgram(setup, hasher, program)),
        { numRuns: Number(process.env['RING_RUNS'] ?? 60) },
      );
    });
  }
});

describe('shrunk counter-examples the model found', () => {
  const A = POOL[0]!;
  const B = POOL[1]!;
  const C = POOL[2]!;
  const start = (servers: readonly Entry[]): Setup => ({ retryAttempts: 1, servers, unreachable: [] });

  // Membership retired a re-weighted or departing node before publishing the new list, so the ring
  // passed through a set that was never configured: [A] → [] → [A*2], [A, B] → [B] → [B, C].
  it('re-weighting a server changes the ring once (seed 1409049766, ketama)', () => {
    runProgram(start([{ name: A, weight: 1 }]), ketamaHasher(), [new Reweight(0, 2)]);
  });

  it('a join then a list with a new weight changes the ring once per list (seed -188844032, rendezvous)', () => {
    runProgram(start([]), rendezvousHasher(), [new Join(A, 1, 0), new SetList([{ name: A, weight: 2 }])]);
  });

  it('a list that swaps one server for another changes the ring once', () => {
    runProgram(start([{ name: A, weight: 1 }, { name: B, weight: 1 }]), rendezvousHasher(), [new SetList([{ name: B, weight: 1 }, { name: C, weight: 1 }])]);
  });
});
