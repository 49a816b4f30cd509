// Turns the children's results into one table: rows = metrics, columns =
// clients, plus "rxmemcache / best peer".
import { isOurs, type ChildResult, type WorkloadId, type WorkloadResult } from './adapter.js';
import { VALUE_BYTES } from './workloads.js';

interface Metric {
  label: string;
  lowerIsBetter: boolean;
  digits: number;
  workload?: WorkloadId;
  value(r: ChildResult): number | undefined;
}

const rate = (w: WorkloadResult | undefined, scale = 1): number | undefined =>
  w && !w.error && w.seconds > 0 ? (w.ops * scale) / w.seconds : undefined;

const throughput = (label: string, id: WorkloadId, scale = 1, digits = 0): Metric => ({
  label, lowerIsBetter: false, digits, workload: id, value: (r) => rate(r.workloads[id], scale),
});

const METRICS: readonly Metric[] = [
  { label: '1. get, 1 in flight: p50 µs', lowerIsBetter: true, digits: 1, workload: 'get1', value: (r) => ok(r.workloads.get1)?.p50Us },
  { label: '1. get, 1 in flight: p99 µs', lowerIsBetter: true, digits: 1, workload: 'get1', value: (r) => ok(r.workloads.get1)?.p99Us },
  throughput('1. get, 1 in flight: ops/s', 'get1'),
  throughput('2. get, 100 in flight: ops/s', 'get100'),
  throughput('3. set, 100 in flight: ops/s', 'set100'),
  throughput('3q. set noreply, 100 in flight: ops/s', 'setq100'),
  throughput('4. getMany(100), 10 in flight: calls/s', 'getMany'),
  throughput('4. getMany(100), 10 in flight: keys/s', 'getMany', 100),
  throughput('5. 100 KB set+get, 10 in flight: ops/s', 'large'),
  throughput('5. 100 KB set+get, 10 in flight: MB/s', 'large', VALUE_BYTES.large / 1e6, 1),
  { label: 'peak RSS of the client process (KiB)', lowerIsBetter: true, digits: 0, value: (r) => r.maxRssKiB },
];

function ok(w: WorkloadResult | undefined): WorkloadResult | undefined {
  return w && !w.error ? w : undefined;
}

function fmt(n: number, digits: number): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(r: ChildResult, m: Metric): string {
  const w = m.workload ? r.workloads[m.workload] : undefined;
  const v = m.value(r);
  if (v === undefined) return r.error || w?.error ? 'error' : 'n/a';
  let marks = '';
  if (m.workload === 'getMany' && r.getManyEmulated) marks += '*';
  if (w && w.ops < w.target) marks += '†';
  if (w && w.misses > 0) marks += '!';
  return fmt(v, m.digits) + marks;
}

function ratio(results: readonly ChildResult[], m: Metric): string {
  const rx = results.find((r) => r.client === 'rxmemcache');
  const mine = rx ? m.value(rx) : undefined;
  let best: { v: number; name: string } | undefined;
  for (const r of results) {
    if (isOurs(r.client)) continue;
    const v = m.value(r);
    if (v === undefined || v <= 0) continue;
    if (!best || (m.lowerIsBetter ? v < best.v : v > best.v)) best = { v, name: r.client };
  }
  if (mine === undefined || !best) return 'n/a';
  return `${(mine / best.v).toFixed(2)}× (${best.name})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    '| ' + row.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join(' | ') + ' |';
  const rule = '|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|';
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

export function renderReport(results: readonly ChildResult[]): string {
  const withRatio = results.some((r) => r.client === 'rxmemcache') && results.length > 1;
  const head = ['metric', ...results.map((r) => r.client), ...(withRatio ? ['rxmemcache / best peer'] : [])];
  const rows = METRICS.map((m) => [m.label, ...results.map((r) => cell(r, m)), ...(withRatio ? [ratio(results, m)] : [])]);
  const out = [table([head, ...rows]), ''];
  out.push('Ratio: > 1 is better for rows of rates; < 1 is better for µs and RSS rows.');
  out.push('* emulated (no native multi-get)   † stopped at the time cap before the planned ops   ! gets that missed');
  for (const r of results) {
    for (const n of r.notes) out.push(`- ${n}`);
    if (r.error) out.push(`- ${r.client} failed: ${r.error}`);
    for (const [id, w] of Object.entries(r.workloads)) {
      if (w.error) out.push(`- ${r.client} ${id} failed: ${w.error}`);
      else if (w.ops < w.target) out.push(`- ${r.client} ${id}: capped after ${w.ops} of ${w.target} ops`);
      if (w.misses > 0) out.push(`- ${r.client} ${id}: ${w.misses} gets missed`);
    }
  }
  return out.join('\n');
}
