// The five workloads. Each runs a fixed number of operations after a warm-up;
// a time cap stops a slow client early (reported as ops < target).
import { randomBytes } from 'node:crypto';
import { errorText, type Adapter, type WorkloadId, type WorkloadResult } from './adapter.js';

const SMALL = 100;
const LARGE = 100_000; // "100 KB"; MB/s below uses 1 MB = 10^6 bytes
const SMALL_KEYS = 10_000;
const LARGE_KEYS = 100;
const MANY = 100; // keys per getMany
/** Time caps that keep the whole bench (4 clients) under ~3 minutes. */
const MEASURE_CAP_MS = 7_000;
const WARMUP_CAP_MS = 1_500;

export interface WorkloadSpec {
  id: WorkloadId;
  ops: number;
  warmup: number;
  inFlight: number;
}

export const WORKLOADS: readonly WorkloadSpec[] = [
  { id: 'get1', ops: 20_000, warmup: 2_000, inFlight: 1 },
  { id: 'get100', ops: 200_000, warmup: 20_000, inFlight: 100 },
  { id: 'set100', ops: 200_000, warmup: 20_000, inFlight: 100 },
  { id: 'setq100', ops: 200_000, warmup: 20_000, inFlight: 100 },
  { id: 'getMany', ops: 3_000, warmup: 300, inFlight: 10 },
  // 12k ops, not fewer: at ~15k ops/s a shorter run is mostly JIT warm-up and GC timing noise.
  { id: 'large', ops: 12_000, warmup: 1_200, inFlight: 10 },
];

export const VALUE_BYTES: Record<WorkloadId, number> = {
  get1: SMALL, get100: SMALL, set100: SMALL, setq100: SMALL, getMany: SMALL * MANY, large: LARGE,
};

/** Random bytes, or random printable ASCII for clients that need strings. */
function makeValue(size: number, ascii: boolean): Buffer {
  const b = randomBytes(size);
  if (ascii) for (let i = 0; i < size; i++) b[i] = 0x21 + (b[i]! % 94);
  return b;
}

function sameValue(got: unknown, want: Buffer): boolean {
  if (typeof got === 'string') return got === want.toString('latin1');
  return got instanceof Uint8Array && Buffer.compare(got, want) === 0;
}

function count(result: unknown): number {
  if (result instanceof Map) return result.size;
  if (Array.isArray(result)) return result.filter((v) => v !== undefined).length;
  if (typeof result === 'object' && result !== null) return Object.keys(result).length;
  return 0;
}

interface PoolRun { ops: number; seconds: number }

/** `inFlight` workers, each awaiting one op at a time, until `total` ops ran. */
async function runPool(total: number, inFlight: number, capMs: number, op: (i: number) => PromiseLike<unknown>): Promise<PoolRun> {
  let next = 0;
  let done = 0;
  const deadline = performance.now() + capMs;
  const worker = async (): Promise<void> => {
    try {
      while (next < total) {
        const i = next++;
        if ((i & 63) === 0 && performance.now() > deadline) break;
        await op(i);
        done++;
      }
    } finally {
      next = total; // a cap or an error stops every worker
    }
  };
  const start = process.hrtime.bigint();
  const settled = await Promise.allSettled(Array.from({ length: inFlight }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return { ops: done, seconds };
}

function percentileUs(sortedNs: Float64Array, p: number): number {
  const i = Math.min(sortedNs.length - 1, Math.max(0, Math.ceil(p * sortedNs.length) - 1));
  return (sortedNs[i] ?? 0) / 1000;
}

export class Bench {
  private readonly small: string[];
  private readonly large: string[];
  private readonly setKeys: string[];
  private readonly smallValues: Buffer[];
  private readonly largeValues: Buffer[];

  constructor(private readonly a: Adapter) {
    const p = `rxbench:${a.name}:`;
    this.small = Array.from({ length: SMALL_KEYS }, (_, i) => `${p}s:${i}`);
    this.setKeys = Array.from({ length: SMALL_KEYS }, (_, i) => `${p}w:${i}`);
    this.large = Array.from({ length: LARGE_KEYS }, (_, i) => `${p}l:${i}`);
    this.smallValues = Array.from({ length: 16 }, () => makeValue(SMALL, a.asciiValues));
    this.largeValues = Array.from({ length: 4 }, () => makeValue(LARGE, a.asciiValues));
  }

  /** Stores every key the gets will read, then checks a round trip. */
  async prepare(): Promise<void> {
    const { a, small, large, smallValues: sv, largeValues: lv } = this;
    await runPool(SMALL_KEYS, 100, 60_000, (i) => a.set(small[i]!, sv[i % sv.length]!));
    await runPool(LARGE_KEYS, 10, 60_000, (i) => a.set(large[i]!, lv[i % lv.length]!));
    if (!sameValue(await a.get(small[5]!), sv[5]!)) throw new Error('100-byte value did not round-trip');
    if (!sameValue(await a.get(large[3]!), lv[3]!)) throw new Error('100 KB value did not round-trip');
    const n = count(await a.getMany(small.slice(0, MANY)));
    if (n !== MANY) throw new Error(`getMany returned ${n} of ${MANY} values`);
  }

  async run(spec: WorkloadSpec): Promise<WorkloadResult | undefined> {
    const base = { target: spec.ops };
    // A client without noreply has no such workload: its cell reads n/a, not error.
    if (spec.id === 'setq100' && this.a.setNoreply === undefined) return undefined;
    try {
      if (spec.id === 'get1') {
        await this.sequentialGets(spec.warmup, WARMUP_CAP_MS);
        return { ...base, ...(await this.sequentialGets(spec.ops, MEASURE_CAP_MS)) };
      }
      let misses = 0;
      const op = this.op(spec.id, () => misses++);
      await runPool(spec.warmup, spec.inFlight, WARMUP_CAP_MS, op);
      misses = 0;
      const r = await runPool(spec.ops, spec.inFlight, MEASURE_CAP_MS, op);
      return { ...base, ...r, misses };
    } catch (e) {
      return { ...base, ops: 0, seconds: 0, misses: 0, error: errorText(e) };
    }
  }

  private op(id: WorkloadId, miss: () => void): (i: number) => PromiseLike<unknown> {
    const { a, small, large, setKeys, smallValues: sv, largeValues: lv } = this;
    const found = (v: unknown): void => {
      if (v === undefined) miss();
    };
    switch (id) {
      case 'get100':
        return (i) => a.get(small[i % SMALL_KEYS]!).then(found);
      case 'set100':
        return (i) => a.set(setKeys[i % SMALL_KEYS]!, sv[i & 15]!);
      case 'setq100': {
        const quiet = a.setNoreply?.bind(a);
        if (quiet === undefined) throw new Error('this client has no noreply set');
        return (i) => quiet(setKeys[i % SMALL_KEYS]!, sv[i & 15]!);
      }
      case 'getMany': {
        const batches = Array.from({ length: SMALL_KEYS / MANY }, (_, b) => small.slice(b * MANY, (b + 1) * MANY));
        return (i) =>
          a.getMany(batches[i % batches.length]!).then((r) => {
            for (let k = count(r); k < MANY; k++) miss();
          });
      }
      case 'large':
        // Alternate: even ops set a 100 KB value, odd ops get one back.
        return (i) => {
          const key = large[(i >> 1) % LARGE_KEYS]!;
          return i & 1 ? a.get(key).then(found) : a.set(key, lv[(i >> 1) & 3]!);
        };
      default:
        throw new Error(`no pooled op for ${id}`);
    }
  }

  private async sequentialGets(total: number, capMs: number): Promise<Omit<WorkloadResult, 'target'>> {
    const { a, small } = this;
    const lat = new Float64Array(total);
    const deadline = performance.now() + capMs;
    let misses = 0;
    let ops = 0;
    const start = process.hrtime.bigint();
    for (; ops < total; ops++) {
      if ((ops & 63) === 0 && performance.now() > deadline) break;
      const t0 = process.hrtime.bigint();
      const v = await a.get(small[ops % SMALL_KEYS]!);
      lat[ops] = Number(process.hrtime.bigint() - t0);
      if (v === undefined) misses++;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const sorted = lat.subarray(0, ops).sort();
    return { ops, seconds, misses, p50Us: percentileUs(sorted, 0.5), p99Us: percentileUs(sorted, 0.99) };
  }
}
