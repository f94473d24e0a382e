/**
 * What the bench parent and its child processes say to each other, and the
 * interfaces that workloads and allocators implement.
 *
 * One child process runs one (workload, allocator, repetition): the parent
 * passes a {@link ChildConfig} as JSON in argv[2]; the child prints one line
 * `RESULT_MARKER + JSON(ChildResult)` on stdout. Anything else the child prints
 * (e.g. an allocator's one-shot `[HZ3_...]` stats lines at exit) is kept as text.
 * The native C child follows the same protocol (bench/native/bench.c).
 */
import type { HeapRssSeries, ResidencyProbe } from './heap-rss.ts';

/** The calls a workload makes. Pointers are nonzero numbers; 0 is "out of memory". */
export interface BenchAllocator {
  malloc(size: number): number;
  free(ptr: number): void;
}

export interface AllocatorContext {
  /** Bytes the allocator may reserve for its arena. */
  readonly maxBytes: number;
  /** Files a peer needs (e.g. `tlsfWasm`), resolved by the parent. */
  readonly files: Readonly<Record<string, string>>;
}

/**
 * What the RSS sampler needs to measure an allocator's heap RSS
 * (packages/lab/src/rss-sampler.ts): the probe of its buffer and, for hakozuna, its mode.
 */
export interface AllocatorResidency {
  readonly probe: ResidencyProbe;
  /** Set when the allocator runs without mincore (hakozuna: stats().releaseModeReason in record-only mode). */
  readonly recordOnlyReason?: string;
  /** The allocator's own resident bytes through its public API (hakozuna: stats().residentBytes): checks the probe's account word. */
  accountNow?(): number;
}

/** One allocator set up in a child process. */
export interface AllocatorInstance {
  /** The object the workload calls: the same one for the whole process (monomorphic). */
  readonly alloc: BenchAllocator;
  /** The allocator's own figures at the end of the run (numbers only), if it has any. */
  stats?(): Record<string, number>;
  /** Its RSS breakdown samples over the run, where it takes them (hakozuna's research lane). */
  rssBreakdown?(): readonly BreakdownSampleLike[];
  /** Its buffer, for heap RSS; absent where the sampler thread cannot see its memory (a plain ArrayBuffer, the GC heap). */
  readonly residency?: AllocatorResidency;
}

/** What a bench/allocators/<name>.ts module exports as default. */
export interface AllocatorModule {
  readonly name: string;
  create(ctx: AllocatorContext): AllocatorInstance | Promise<AllocatorInstance>;
}

/** A single-threaded workload: runs `iterations` operations and frees what is left. */
export type SingleWorkloadFn = (alloc: BenchAllocator, iterations: number) => void;

export interface WorkloadSpec {
  readonly name: string;
  /** 'single': one thread. Multi-worker workloads ('workers') will add their own runner. */
  readonly kind: 'single';
  readonly description: string;
  /** Printed with the results: everything that defines the workload besides the count. */
  readonly params: Readonly<Record<string, number | string>>;
  readonly run: SingleWorkloadFn;
}

export const RESULT_MARKER = '@@HZBENCH@@';

export interface ChildConfig {
  readonly workload: string;
  readonly allocator: string;
  readonly iterations: number;
  readonly warmupIterations: number;
  readonly sampleIntervalMs: number;
  readonly maxBytes: number;
  readonly files: Readonly<Record<string, string>>;
}

/** Phase marks, in ms since the sampler started. */
export interface PhaseMarks {
  setup?: number;
  warmup?: number;
  timed?: number;
  end?: number;
}

export interface ChildResult {
  readonly workload: string;
  readonly allocator: string;
  readonly iterations: number;
  readonly warmupIterations: number;
  /** Wall time of the timed run alone. */
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** RSS samples as [ms since sampler start, resident bytes]. */
  readonly rssSamples: readonly (readonly [number, number])[];
  readonly sampleIntervalMs: number;
  readonly marks: PhaseMarks;
  /** Peak resident set of the process (getrusage), bytes. */
  readonly maxRssBytes: number;
  readonly allocatorStats?: Record<string, number>;
  /** The heap's resident bytes at the same samples (mincore, or the allocator's account in record-only mode). */
  readonly heapRss?: HeapRssSeries;
  /** Where the heap's resident bytes were over the run (hakozuna, lanes with the RSS breakdown observer). */
  readonly rssBreakdown?: RssBreakdownSeries;
}

/**
 * The RSS breakdown over a run: the allocator's samples (hakozuna: one per 50 ms
 * epoch, heap.rssBreakdownSamples()), on the RSS samples' clock. Each sample is
 * [ms since the sampler started, then one value per key, bytes].
 */
export interface RssBreakdownSeries {
  readonly keys: readonly string[];
  readonly samples: readonly (readonly number[])[];
}

/** An allocator's breakdown samples: when (ms since 1970) and bytes per part. */
export type BreakdownSampleLike = { readonly atMs: number } & Readonly<Record<string, number>>;

/** The parts of the breakdown, bottom to top of the stacked chart (resident is their sum). */
export const BREAKDOWN_PARTS = ['live', 'waste_small', 'waste_medium', 'waste_large', 'tcache', 'central', 'remote', 'seg_free', 'meta'] as const;

/** Samples taken on the allocator's clock (ms since 1970), moved to the sampler's (`sinceStartMs()` ms since it started). */
export function breakdownSeries(samples: readonly BreakdownSampleLike[], sinceStartMs: () => number): RssBreakdownSeries | undefined {
  if (samples.length === 0) return undefined;
  const origin = Date.now() - sinceStartMs();
  return { keys: BREAKDOWN_PARTS, samples: samples.map((s) => [s.atMs - origin, ...BREAKDOWN_PARTS.map((k) => s[k] ?? 0)]) };
}
