import { TIMEOUT, type QueueRig } from './queue-rig.js';

/**
 * Ends a queue-model run: the server answers everything and time passes until every call settled,
 * then close() must leave no socket and no timer, and the counts the client reported must add up.
 * Whatever is wrong lands in `rig.violations`.
 */
export function finishRun(rig: QueueRig): void {
  settleAll(rig);
  closeAndCheck(rig);
}

function settleAll(rig: QueueRig): void {
  for (let round = 0; round < 12 && rig.calls.some((c) => c.state === 'pending'); round++) {
    rig.deliverAll();
    rig.loop.advance(round < 4 ? 0 : TIMEOUT / 2);
  }
  for (const call of rig.calls) if (call.state === 'pending') rig.violations.push(`#${call.id} ${call.kind}: never settled (hung)`);
}

function closeAndCheck(rig: QueueRig): void {
  rig.close();
  for (let round = 0; round < 6 && rig.open().length > 0; round++) {
    rig.deliverAll();
    rig.loop.advance(round === 0 ? 0 : TIMEOUT);
  }
  for (const n of rig.open()) rig.violations.push(`connection ${n} still open after close()`);
  if (rig.loop.scheduled > 0) rig.violations.push(`${rig.loop.scheduled} timer(s) left after close()`);
  const settled = rig.calls.filter((c) => c.state === 'settled').length;
  if (rig.commandEvents !== settled) rig.violations.push(`events$ reported ${rig.commandEvents} outcomes for ${settled} settled calls: a cancelled call settled`);
  const noreply = rig.noreplyErrorProblem();
  if (noreply !== undefined) rig.violations.push(noreply);
}
