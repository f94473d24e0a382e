/**
 * medium_app: a medium-heavy application loop that touches what it allocates
 * (added with S57, the finer medium classes: docs/BENCHMARKS.md).
 *
 * Each of T worker threads (default 1): LCG seeded 0x12345678 + 977*i, `ws`
 * slots. Each operation draws a slot (r % ws). A full slot is freed, after its
 * first word is checked. An empty slot gets a block of a size drawn
 * log-uniformly over 2049..32768 B: one draw picks the octave k = r % 4, one
 * more the size, (2048 << k) + 1 + r % (2048 << k). So a quarter of the
 * requests are 2049..4096 B, the range the default classes round up to 4 KiB.
 * The block is written like a buffer an application fills: one word at every
 * 4 KiB from its start and its last word, so every page its requested bytes
 * cover is touched (and nothing past them). Rounding waste then shows in RSS as
 * it would in a program that uses its buffers, which the untouched
 * random_mixed and dist_app loops cannot show.
 *
 * Phases: a warm-up of iterations/10 operations per thread, then the timed run,
 * each started together. ops/s = T * iterations / (last end - first start).
 * What is left in the slots is freed after each phase (not counted), so
 * hakozuna's bytesInUse returns to its start value.
 */
import type { BenchAllocator } from '../../protocol.ts';
import type { MtMainContext, MtOutcome, MtWorkerContext, MtWorkloadSpec } from '../../mt-protocol.ts';
import { absNow, collect, release, waitAtLeast } from './common.ts';

export const MEDIUM_APP_SEED = 0x12345678;
export const MEDIUM_APP_SEED_STEP = 977;
const COOKIE = 0x5a17c0de;
const START = 0;

interface WorkerData {
  readonly index: number;
  readonly ctrl: SharedArrayBuffer;
}

interface PhaseReport {
  readonly kind: 'phase';
  readonly phase: number;
  readonly t0: number;
  readonly t1: number;
  readonly bytes: number;
}

const isPhase = (phase: number) => (m: unknown): m is PhaseReport => (m as PhaseReport)?.kind === 'phase' && (m as PhaseReport).phase === phase;

/** Requested bytes of the phase's allocations (a side result of the loop). */
let requested = 0;

/** The loop of one thread: `iters` operations over `ws` slots; frees what is left at the end. */
export function mediumAppLoop(alloc: BenchAllocator, u32: Uint32Array, iters: number, seed: number, ws: number): void {
  const slots = new Uint32Array(ws);
  let x = seed >>> 0;
  for (let it = 0; it < iters; it++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const slot = x - Math.floor(x / ws) * ws;
    const p = slots[slot]!;
    if (p !== 0) {
      if (u32[p >>> 2] !== ((p ^ COOKIE) >>> 0)) throw new Error(`medium_app: block ${p} lost its first word`);
      alloc.free(p);
      slots[slot] = 0;
    } else {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const span = 2048 << (x >>> 30); // the octave from the draw's top bits
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      const size = span + 1 + (x - Math.floor(x / span) * span);
      const q = alloc.malloc(size);
      const cookie = (q ^ COOKIE) >>> 0;
      for (let off = 0; off < size; off += 4096) u32[(q + off) >>> 2] = cookie;
      u32[(q + size - 4) >>> 2] = cookie;
      requested += size;
      slots[slot] = q;
    }
  }
  for (let s = 0; s < ws; s++) {
    const q = slots[s]!;
    if (q !== 0) alloc.free(q);
  }
}

async function worker(ctx: MtWorkerContext): Promise<unknown> {
  const { index, ctrl } = ctx.data as WorkerData;
  const p = ctx.params;
  const i32 = new Int32Array(ctrl);
  const sh = await ctx.attach();
  const seed = (MEDIUM_APP_SEED + MEDIUM_APP_SEED_STEP * index) >>> 0;
  ctx.ready();
  const phases = [Math.max(1, Math.round(p.iterations! * p.warmupFraction!)), p.iterations!];
  for (let ph = 1; ph <= phases.length; ph++) {
    waitAtLeast(i32, START, ph);
    requested = 0;
    const t0 = absNow();
    mediumAppLoop(sh.alloc, sh.views.u32, phases[ph - 1]!, seed, p.ws!);
    const t1 = absNow();
    ctx.post({ kind: 'phase', phase: ph, t0, t1, bytes: requested } satisfies PhaseReport);
  }
  sh.detach();
  return null;
}

async function main(ctx: MtMainContext): Promise<MtOutcome> {
  const T = ctx.threads;
  const ctrl = new SharedArrayBuffer(4);
  const i32 = new Int32Array(ctrl);
  const workers = Array.from({ length: T }, (_, index) => ctx.spawn({ index, ctrl } satisfies WorkerData));
  await Promise.all(workers.map((w) => w.ready));
  const warm = collect(workers, isPhase(1));
  release(i32, START, 1);
  await warm;
  const timed = collect(workers, isPhase(2));
  ctx.markTimed();
  release(i32, START, 2);
  const reports = await timed;
  await Promise.all(workers.map((w) => w.done)); // detached: the stats below are exact
  ctx.markEnd();
  const t0 = Math.min(...reports.map((r) => r.t0));
  const t1 = Math.max(...reports.map((r) => r.t1));
  const elapsedMs = t1 - t0;
  const ops = T * ctx.params.iterations!;
  return {
    rate: ops / (elapsedMs / 1000),
    elapsedMs,
    metrics: { ops, bytesRequested: reports.reduce((a, r) => a + r.bytes, 0), slowestThreadMs: Math.max(...reports.map((r) => r.t1 - r.t0)) },
    freedEverything: true,
  };
}

export const mediumAppSpec: MtWorkloadSpec = {
  name: 'medium_app',
  kind: 'workers',
  description: 'medium_app: 2049-32768 B log-uniform (a quarter in 2049-4096), every page of the requested bytes written, first word checked on free; ws=2000 per thread',
  metric: 'ops/s',
  params: { iterations: 2_000_000, warmupFraction: 0.1, ws: 2000, seed: MEDIUM_APP_SEED, seedStep: MEDIUM_APP_SEED_STEP },
  quickParams: { iterations: 100_000 },
  slowParams: { iterations: 150_000 },
  defaultThreads: [1],
  extraAllocators: [],
  noNoop: 'blocks hold a word the workload checks on free: a fake pointer cannot run it',
  main,
  worker,
};
