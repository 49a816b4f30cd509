// Several rounds per client, merged into one result: single runs of the same client on this machine
// varied by up to 1.4× (100 KB workload: 14,050 / 18,171 / 19,264 ops/s in three identical runs), so
// one run per client decides nothing.
import type { ChildResult, WorkloadId, WorkloadResult } from './adapter.js';

const rate = (w: WorkloadResult): number => (w.error === undefined && w.seconds > 0 ? w.ops / w.seconds : -1);

/** The run with the median rate (its latency figures travel with it); a failed run counts as slowest. */
function medianRun(runs: readonly WorkloadResult[]): WorkloadResult | undefined {
  const sorted = [...runs].sort((a, b) => rate(a) - rate(b));
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** One client's rounds as one result: per workload the median run, and the highest peak RSS. */
export function mergeRounds(rounds: readonly ChildResult[]): ChildResult {
  const first = rounds[0];
  if (first === undefined) throw new Error('no rounds to merge');
  const failed = rounds.find((r) => r.error !== undefined);
  const workloads: ChildResult['workloads'] = {};
  const ids = new Set(rounds.flatMap((r) => Object.keys(r.workloads) as WorkloadId[]));
  for (const id of ids) {
    const runs = rounds.map((r) => r.workloads[id]).filter((w): w is WorkloadResult => w !== undefined);
    const median = medianRun(runs);
    if (median !== undefined) workloads[id] = median;
  }
  const rss = rounds.map((r) => r.maxRssKiB).filter((v): v is number => v !== undefined);
  return {
    ...first,
    ...(failed?.error === undefined ? {} : { error: failed.error }),
    workloads,
    ...(rss.length === 0 ? {} : { maxRssKiB: Math.max(...rss) }),
  };
}

/** Round `round`'s running order: rotated, so no client always runs first or last. */
export function roundOrder<T>(names: readonly T[], round: number): T[] {
  const k = round % Math.max(1, names.length);
  return [...names.slice(k), ...names.slice(0, k)];
}
