/**
 * Multi-worker workloads (mt_remote, larson, mstress, xmalloc-test, burst_idle):
 * the interfaces between the child process's main thread, its workers, the
 * allocators and the workloads.
 *
 * One child process still runs one (workload, allocator, repetition). Its main
 * thread creates the allocator's shared arena (the process that owns the heap:
 * RSS is sampled there, and the allocator's own figures are read there), then
 * starts worker_threads that load the SAME bundle (for hakozuna: the same lane,
 * as attachHeap requires) and attach to that arena.
 *
 * An allocator takes part when its module has a `shared` part
 * ({@link SharedAllocatorModule}); the parent knows which ones do from
 * packages/lab/src/allocators.ts (`multiWorker`), without loading them.
 */
import type { Worker } from 'node:worker_threads';
import type { AllocatorContext, AllocatorModule, AllocatorResidency, BenchAllocator, BreakdownSampleLike, ChildConfig, ChildResult } from './protocol.ts';

/** Views over the memory the pointers index (the heap's SAB, the pool's SAB, the wasm memory). */
export interface MemViews {
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
}

/** The allocator as the child's main thread holds it. */
export interface SharedMain {
  readonly alloc: BenchAllocator;
  readonly views: MemViews;
  /** Structured-cloneable: what a worker needs to attach. */
  readonly handle: unknown;
  /** One line: how the threads share it ("thread caches", "one futex lock around ..."). */
  readonly sharing: string;
  /** The allocator's own figures (numbers only). */
  stats?(): Record<string, number>;
  /** One-shot box lines (hakozuna: heap.report().lines), where the lane has boxes. */
  report?(): string[];
  /** Its RSS breakdown samples over the run, where it takes them (hakozuna's research lane). */
  rssBreakdown?(): readonly BreakdownSampleLike[];
  /** Set when the allocator needs a periodic call while idle (hakozuna lanes with epoch boxes: heap.maintain()). */
  maintain?(): void;
  /** Consistency walk (hakozuna: heap.check()); run only while no other thread allocates. */
  check?(): { problems: readonly unknown[] };
  /** Live bytes as the allocator counts them (hakozuna: stats().bytesInUse). */
  bytesInUse?(): number;
  /** Parent-side adoption of a worker that exits without detaching (hakozuna: heap.watch). */
  watch?(worker: Worker): void;
  /** Its buffer, for heap RSS (packages/lab/src/rss-sampler.ts); peers give their shared buffer. */
  readonly residency?: AllocatorResidency;
}

/** The allocator as a worker holds it. */
export interface SharedWorker {
  readonly alloc: BenchAllocator;
  readonly views: MemViews;
  /** The allocator's slot for this thread, where it has one (hakozuna: heap.slot): shows slots reused by pooled threads. */
  readonly slot?: number;
  /** Give this thread's state back (hakozuna: heap.detach()); the worker calls it before it ends. */
  detach(): void;
}

export interface SharedAllocatorModule {
  create(ctx: AllocatorContext): SharedMain | Promise<SharedMain>;
  attach(handle: unknown, ctx: AllocatorContext): SharedWorker | Promise<SharedWorker>;
}

/** An allocator module that may also run the multi-worker workloads. */
export type MtAllocatorModule = AllocatorModule & { readonly shared?: SharedAllocatorModule };

export type MtParams = Readonly<Record<string, number>>;

/** A worker started by a workload's main side. */
export interface MtWorker {
  readonly worker: Worker;
  /** Resolves when the worker calls ctx.ready() (its loop is set up; typically it then waits for a start word). */
  readonly ready: Promise<void>;
  /** Resolves with what the workload's worker function returned; rejects on its error or an early exit. */
  readonly done: Promise<unknown>;
  /** Messages the worker sent with ctx.post(). */
  onMessage(fn: (data: unknown) => void): void;
}

export interface MtMainContext {
  readonly params: MtParams;
  readonly threads: number;
  readonly shared: SharedMain;
  readonly allocatorName: string;
  /** Start a worker running this workload's `worker` function with `data`. */
  spawn(data: unknown): MtWorker;
  /** Start of the measured window: RSS sample, phase mark and a stats() snapshot. */
  markTimed(): void;
  /** End of the measured window. */
  markEnd(): void;
  /** Take an RSS sample now; returns the resident bytes. */
  sampleRss(): number;
  /** ms since the sampler started (the time base of the marks and samples). */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface MtWorkerContext {
  readonly data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  readonly params: MtParams;
  readonly threads: number;
  /** Attach to the shared allocator (hakozuna: attachHeap(handle)). */
  attach(): Promise<SharedWorker>;
  /** Tell the main side this worker is set up (MtWorker.ready). */
  ready(): void;
  post(data: unknown): void;
}

/** What a workload's main side returns. */
export interface MtOutcome {
  /** The workload's primary rate (BENCHMARKS.md's metric), higher is better: goes into opsPerSec. */
  readonly rate: number;
  /** Wall time of the measured work, ms. */
  readonly elapsedMs: number;
  /** Everything else the workload counts (allocations, frees, threads started, ...). */
  readonly metrics: Record<string, number>;
  /** Series and lists (burst_idle: RSS at the end of each idle window). */
  readonly series?: Record<string, readonly number[]>;
  /** True when the workload freed every block it allocated (then bytesInUse must be back to its start value). */
  readonly freedEverything: boolean;
}

export interface MtWorkloadSpec {
  /** Registry name, e.g. `larson`, `mt_remote_small_r50`. Run names add the thread count: `larson_t2`. */
  readonly name: string;
  readonly kind: 'workers';
  readonly description: string;
  /** Name of the rate that goes into opsPerSec (e.g. 'allocations/s'). */
  readonly metric: string;
  /** Defaults of the full suite (every count a run uses; printed with the results). */
  readonly params: MtParams;
  /** Overrides of `params` for --quick. */
  readonly quickParams: MtParams;
  /** Slow peers (thing) run with these overrides on top (their ops are 10-100x slower). */
  readonly slowParams?: MtParams;
  /** Thread counts the default suite runs. */
  readonly defaultThreads: readonly number[];
  /**
   * Workers alive at once with T threads (default T): the size of the pool that
   * pooled mode starts before the workload (xmalloc-test: 2T; mstress: T-1, its
   * tid 0 runs on the main thread). A pool that runs short starts one more worker.
   */
  poolSize?(threads: number): number;
  /** The C version of the workload (bench/native/mt.c), run for the native allocators; without one they skip it. */
  readonly nativePort?: string;
  /** hakozuna lanes the default suite adds for this workload (e.g. hakozuna@mem on mstress). */
  readonly extraAllocators: readonly string[];
  /** Why the noop floor does not apply, when it does not (blocks hold data the workload reads back). */
  readonly noNoop?: string;
  /** The default suite runs only hakozuna variants on it (the note says why); --allocators overrides. */
  readonly hakozunaOnly?: string;
  /** The default suite skips the slow peers on it (the note says why); --allocators overrides. */
  readonly noSlowPeers?: string;
  main(ctx: MtMainContext): Promise<MtOutcome>;
  worker(ctx: MtWorkerContext): Promise<unknown> | unknown;
}

/**
 * What a thread start and exit of the workload are:
 * - 'pooled' (default): a thread start is attachHeap in a worker of a pool started
 *   before the workload, a thread exit is heap.detach() (what they cost an allocator);
 * - 'spawn': a new Worker per thread, which exits when its thread ends (what a
 *   program that starts workers pays, ~40-50 ms of CPU each).
 */
export type ThreadsMode = 'pooled' | 'spawn';
export const THREADS_MODES: readonly ThreadsMode[] = ['pooled', 'spawn'];

/** What the parent passes to a multi-worker child (a ChildConfig plus the run's parameters). */
export interface MtChildConfig extends ChildConfig {
  readonly mt: {
    /** Registry name (e.g. larson), while `workload` is the run name (larson_t2). */
    readonly spec: string;
    readonly threads: number;
    readonly params: MtParams;
    /** Default 'pooled'. */
    readonly threadsMode?: ThreadsMode;
  };
}

/** How the workload's thread starts went (both modes), from the main side's clock and the workers'. */
export interface ThreadStartStats {
  readonly mode: ThreadsMode;
  /** Threads the workload started (ctx.spawn calls that ran). */
  readonly starts: number;
  /** ms from ctx.spawn to the thread's first line of workload code: median, mean, max. */
  readonly latencyMsMedian: number;
  readonly latencyMsMean: number;
  readonly latencyMsMax: number;
  /** ms inside ctx.attach() (hakozuna: attachHeap), median over the threads that attached. */
  readonly attachMsMedian?: number;
  readonly attaches: number;
  readonly detaches: number;
  /** Distinct Worker threads that ran the workload's threads (pooled: the pool; spawn: one per start). */
  readonly workers: number;
  /** Distinct allocator slots the threads attached to (hakozuna), where the allocator has slots. */
  readonly slots?: number;
  /** Threads that ran in a Worker that had already run (and detached) an earlier thread. */
  readonly reattached: number;
  /** Pooled: workers started before the workload, the median ms each took to start (Worker start-up), and workers started on demand. */
  readonly poolSize?: number;
  readonly workerStartupMsMedian?: number;
  readonly poolGrown?: number;
}

/** What a multi-worker child adds to its result. */
export interface MtChildExtra {
  readonly spec: string;
  readonly threads: number;
  readonly params: MtParams;
  readonly metric: string;
  readonly metrics: Record<string, number>;
  readonly series?: Record<string, readonly number[]>;
  readonly sharing: string;
  /** RSS of the child after the allocator was created, before the workload started (bytes). */
  readonly rssBase?: number;
  /** Release calls per second over the measured window (hakozuna: stats().releaseCallsTotal). */
  readonly releaseCallsPerSec?: number;
  readonly threadsMode?: ThreadsMode;
  readonly threadStarts?: ThreadStartStats;
  /** heap.report().lines at the end, where the lane has boxes. */
  readonly boxLines?: readonly string[];
  /** The allocator's stats() at markTimed and at markEnd (allocatorStats: after the workload's final frees). */
  readonly statsAtTimed?: Record<string, number>;
  readonly statsAtEnd?: Record<string, number>;
  /** hakozuna: heap.check() and bytesInUse before the workload and after it freed everything. */
  readonly heapCheck?: {
    readonly problems: readonly string[];
    readonly bytesInUseBefore: number;
    readonly bytesInUseAfter: number;
    /** The workload freed everything, so bytesInUseAfter must equal bytesInUseBefore. */
    readonly freedEverything: boolean;
    readonly ok: boolean;
  };
}

export type MtChildResult = ChildResult & { readonly mt: MtChildExtra };
