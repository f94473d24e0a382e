/**
 * larson: Larson & Krishnan's server simulation, as mimalloc-bench runs it
 * (`larson 5 8 1000 5000 100 4141 T`), ported per BENCHMARKS.md.
 *
 * Setup, on the child's main thread (not timed): lran2 seeded 4141; T*blocks
 * blocks of min + r % (max - min) bytes; a random permutation of them
 * (victim = r % n, swap with the last); then 4n random replacements (free
 * blkp[r % n], allocate a new size there). Thread i takes the slice
 * [blocks*i, blocks*i + blocks) and seeds its own lran2 from the next global draw.
 *
 * A worker: `victim = r % blocks`; free it; allocate min + r % (max - min)
 * bytes there; write byte 0 ('a'), read it, write byte 1 ('b'). After
 * rounds*blocks operations it hands its slice, its RNG state and its counters
 * to a NEW worker and exits (detaching): thread churn, so blocks allocated by
 * dead threads are freed by new ones. The main thread sleeps `seconds`, sets
 * the stop word, and waits until every slice's current worker has stopped.
 * Metric: allocations per second (sum over slices / wall time from the start
 * word to the last worker stopped).
 *
 * Departures, both forced by worker_threads and printed with the parameters:
 * - A worker checks the stop word every 32 operations (an Atomics.load per
 *   operation would cost ~10% of hakozuna's loop).
 * - Starting a Worker costs ~40-50 ms of CPU (a pthread: ~10 µs). With the
 *   reference 100 rounds a worker lives only ~25 ms here, so spawning would be
 *   most of the run; the default raises rounds so that a worker lives long
 *   enough for churn to cost a few percent. The replacement is started when
 *   the old worker finishes (as larson's exercise_heap does), so the slice is
 *   idle during the start-up; larson_churnMs reports that idle time. In the
 *   default pooled threads mode (src/mt-threads.ts) the new "worker" is an
 *   attachHeap in an already started worker (~0.2 ms), so the reference 100
 *   rounds can be measured too (--param larson.rounds=100); the default stays.
 *
 * Blocks are all freed at the end (not timed), so hakozuna's bytesInUse must
 * return to its value before the setup.
 */
import type { MtMainContext, MtOutcome, MtWorker, MtWorkerContext, MtWorkloadSpec } from '../../mt-protocol.ts';
import { LRAN2_WORDS, lran2, lran2Init } from '../lran2.ts';
import { absNow, release, waitAtLeast } from './common.ts';

// Control words.
const START = 0;
const STOP = 1;
const CTRL_WORDS = 2;

interface SliceState {
  readonly slice: number;
  /** lran2 state: [x, y, table[97]]. */
  readonly rng: Int32Array;
  readonly cAllocs: number;
  readonly cFrees: number;
  readonly cThreads: number;
  /** Absolute ms when the previous worker of this slice finished (0 for the first). */
  readonly handedAt: number;
}

interface WorkerData {
  readonly ctrl: SharedArrayBuffer;
  readonly blocks: SharedArrayBuffer;
  readonly state: SliceState;
  readonly first: boolean;
}

interface WorkerEnd {
  readonly state: SliceState;
  readonly stopped: boolean;
  readonly startedAt: number;
  /** This worker's operations and the ms its loop ran. */
  readonly ops: number;
  readonly loopMs: number;
}

/**
 * The worker loop: up to `numBlocks` operations on `arr[off .. off+asize)`.
 * Returns the operations done; the RNG state is updated in place.
 */
export function larsonLoop(
  alloc: { malloc(size: number): number; free(ptr: number): void },
  u8: Uint8Array,
  arr: Uint32Array,
  off: number,
  asize: number,
  numBlocks: number,
  minSize: number,
  range: number,
  rng: Int32Array,
  ctrl: Int32Array,
): number {
  let x = rng[0]!;
  let y = rng[1]!;
  const v = rng.subarray(2, 2 + 97);
  let sink = 0;
  let done = 0;
  for (let c = 0; c < numBlocks; c++) {
    // lran2 draw (inlined): j = y % 97; y = v[j]; step x; v[j] = x.
    let j = y % 97;
    y = v[j]!;
    x = (1366 * x + 150889) % 714025;
    v[j] = x;
    const victim = off + (y % asize);
    alloc.free(arr[victim]!);
    j = y % 97;
    y = v[j]!;
    x = (1366 * x + 150889) % 714025;
    v[j] = x;
    const p = alloc.malloc(minSize + (y % range));
    arr[victim] = p;
    u8[p] = 97; // 'a'
    sink ^= u8[p]!;
    u8[p + 1] = 98; // 'b'
    done++;
    if ((c & 31) === 31 && Atomics.load(ctrl, STOP) !== 0) break;
  }
  rng[0] = x;
  rng[1] = y;
  if (sink === -1) throw new Error('unreachable');
  return done;
}

async function worker(ctx: MtWorkerContext): Promise<WorkerEnd> {
  const d = ctx.data as WorkerData;
  const p = ctx.params;
  const ctrl = new Int32Array(d.ctrl);
  const arr = new Uint32Array(d.blocks);
  const rng = Int32Array.from(d.state.rng);
  if (d.first) {
    ctx.ready();
    waitAtLeast(ctrl, START, 1);
  }
  const startedAt = absNow();
  if (Atomics.load(ctrl, STOP) !== 0) return { state: { ...d.state, rng }, stopped: true, startedAt, ops: 0, loopMs: 0 };
  const sh = await ctx.attach();
  const blocks = p.blocks!;
  const l0 = absNow();
  const ops = larsonLoop(sh.alloc, sh.views.u8, arr, d.state.slice * blocks, blocks, p.rounds! * blocks, p.minSize!, p.maxSize! - p.minSize!, rng, ctrl);
  const loopMs = absNow() - l0;
  sh.detach();
  const stopped = Atomics.load(ctrl, STOP) !== 0;
  const state: SliceState = {
    slice: d.state.slice,
    rng,
    cAllocs: d.state.cAllocs + ops,
    cFrees: d.state.cFrees + ops,
    cThreads: d.state.cThreads + 1,
    handedAt: absNow(),
  };
  return { state, stopped, startedAt, ops, loopMs };
}

async function main(ctx: MtMainContext): Promise<MtOutcome> {
  const T = ctx.threads;
  const p = ctx.params;
  const blocks = p.blocks!;
  const minSize = p.minSize!;
  const range = p.maxSize! - minSize;
  const n = T * blocks;
  const alloc = ctx.shared.alloc;
  // Setup (warmup() in larson.cpp), on this thread.
  const rgen = lran2Init(p.seed!);
  const blkSab = new SharedArrayBuffer(n * 4);
  const blkp = new Uint32Array(blkSab);
  for (let i = 0; i < n; i++) blkp[i] = alloc.malloc(minSize + (lran2(rgen) % range));
  for (let c = n; c > 0; c--) {
    const victim = lran2(rgen) % c;
    const tmp = blkp[victim]!;
    blkp[victim] = blkp[c - 1]!;
    blkp[c - 1] = tmp;
  }
  for (let c = 0; c < 4 * n; c++) {
    const victim = lran2(rgen) % n;
    alloc.free(blkp[victim]!);
    blkp[victim] = alloc.malloc(minSize + (lran2(rgen) % range));
  }
  const ctrlSab = new SharedArrayBuffer(CTRL_WORDS * 4);
  const ctrl = new Int32Array(ctrlSab);
  const final: (SliceState | undefined)[] = new Array(T).fill(undefined);
  let churnMs = 0;
  let spawned = 0;
  const lifeRates: number[] = [];
  // One chain of workers per slice: each end either hands over (spawn the next) or stops.
  const runSlice = async (w: MtWorker): Promise<void> => {
    for (;;) {
      const end = (await w.done) as WorkerEnd;
      if (end.loopMs > 0) lifeRates.push(end.ops / end.loopMs / 1000); // M ops/s of this worker's life
      if (end.stopped || Atomics.load(ctrl, STOP) !== 0) {
        final[end.state.slice] = end.state;
        return;
      }
      spawned++;
      w = ctx.spawn({ ctrl: ctrlSab, blocks: blkSab, state: end.state, first: false } satisfies WorkerData);
      // Idle time of the slice: from the old worker's end to the new one's start (measured by the new one).
      const handed = end.state.handedAt;
      w.done.then(
        (r) => {
          churnMs += (r as WorkerEnd).startedAt - handed;
        },
        () => undefined,
      );
    }
  };
  const firsts: MtWorker[] = [];
  for (let i = 0; i < T; i++) {
    const rng = lran2Init(lran2(rgen), new Int32Array(LRAN2_WORDS));
    firsts.push(ctx.spawn({ ctrl: ctrlSab, blocks: blkSab, state: { slice: i, rng, cAllocs: 0, cFrees: 0, cThreads: 0, handedAt: 0 }, first: true } satisfies WorkerData));
  }
  spawned = T;
  await Promise.all(firsts.map((w) => w.ready));
  ctx.markTimed();
  const t0 = absNow();
  release(ctrl, START, 1);
  const chains = Promise.all(firsts.map(runSlice));
  await ctx.sleep(p.seconds! * 1000);
  release(ctrl, STOP, 1);
  await chains;
  const t1 = absNow();
  ctx.markEnd();
  // Not timed: free every block (blocks of dead workers, freed by this thread).
  for (let i = 0; i < n; i++) alloc.free(blkp[i]!);
  const elapsedMs = t1 - t0;
  const states = final as SliceState[];
  const allocs = states.reduce((a, s) => a + s.cAllocs, 0);
  const frees = states.reduce((a, s) => a + s.cFrees, 0);
  const threadsRun = states.reduce((a, s) => a + s.cThreads, 0);
  return {
    rate: allocs / (elapsedMs / 1000),
    elapsedMs,
    metrics: {
      allocations: allocs,
      frees,
      freesPerSec: frees / (elapsedMs / 1000),
      threadsStarted: spawned,
      threadsRun,
      churnIdleMs: churnMs,
      churnIdleFraction: churnMs / (T * elapsedMs),
    },
    series: { workerMops: lifeRates },
    freedEverything: true,
  };
}

export const larsonSpec: MtWorkloadSpec = {
  name: 'larson',
  kind: 'workers',
  description: 'larson server simulation: blocks per thread, random victim freed and reallocated, bytes 0-1 written; a worker hands its slice to a new worker after rounds*blocks ops',
  metric: 'allocations/s',
  params: { seconds: 1.5, minSize: 8, maxSize: 1000, blocks: 5000, rounds: 2000, seed: 4141, stopCheckEvery: 32 },
  quickParams: { seconds: 0.3, rounds: 100 },
  defaultThreads: [1, 2],
  nativePort: 'bench/native/mt.c',
  extraAllocators: ['hakozuna@s55-3b'],
  main,
  worker,
};
