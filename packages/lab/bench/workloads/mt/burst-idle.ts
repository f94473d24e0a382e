/**
 * burst_idle: cycles of a burst then an idle window (BENCHMARKS.md; the
 * workload where a delayed release (S55-3B) or a thread-exit purge (S61) can win).
 *
 * Each cycle: T NEW workers (like a server's burst of request threads). Worker i
 * first frees the survivors the previous cycle's worker i left (blocks of a dead
 * thread), then allocates `blocks` blocks of min..max bytes (LCG seeded
 * 0x12345678 + 977*i + 7919*cycle, size = min + r % (max - min + 1)), writing one
 * word in every 4 KiB of each block (as an application filling its buffers:
 * the pages become resident), then frees all of them but every keepEvery-th,
 * in allocation order, checking the word it wrote first. The survivors' pointers
 * go to a shared list for the next cycle. The worker detaches and exits.
 *
 * Idle window: the main thread sleeps idleMs; where the lane needs it
 * (hakozuna lanes with epoch boxes: mem, S55-3B) it calls heap.maintain()
 * every maintainEveryMs meanwhile. At the end of each idle window it takes an
 * RSS reading (and hakozuna's residentBytes). Reported: RSS at the end of each
 * idle window and their mean, the burst rate (mallocs + frees per second of
 * burst wall time), and RSS over the whole run. After the last cycle the main
 * thread frees the last survivors (not timed).
 *
 * Two variants: `burst_idle` keeps every keepEvery-th block (survivors spread
 * over the heap: they pin most segments and pages, the hard case for any
 * release), `burst_idle_tail` keeps the last blocks/keepEvery each worker
 * allocated (survivors packed together: most segments end up fully free).
 */
import type { BenchAllocator } from '../../protocol.ts';
import type { MtMainContext, MtOutcome, MtWorkerContext, MtWorkloadSpec } from '../../mt-protocol.ts';
import { absNow, release, waitAtLeast } from './common.ts';

const START = 0;
const BURST_SEED = 0x12345678;

interface WorkerData {
  readonly index: number;
  readonly cycle: number;
  readonly ctrl: SharedArrayBuffer;
  /** Survivors per worker index: [count, p0, p1, ...] in a region of 1 + maxSurvivors words. */
  readonly survivors: SharedArrayBuffer;
}

interface WorkerEnd {
  readonly t0: number;
  readonly t1: number;
  readonly ops: number;
}

/** The burst of one worker; returns mallocs + frees. */
export function burst(
  alloc: BenchAllocator,
  u32: Uint32Array,
  surv: Uint32Array,
  base: number,
  blocks: number,
  keepEvery: number,
  min: number,
  max: number,
  seed: number,
  tail: boolean,
): number {
  let ops = 0;
  // The previous cycle's survivors (allocated by a thread that has exited).
  const n0 = surv[base]!;
  for (let i = 0; i < n0; i++) {
    const p = surv[base + 1 + i]!;
    if (u32[p >>> 2] !== p) throw new Error(`burst_idle: survivor ${p} lost its contents (found ${u32[p >>> 2]})`);
    alloc.free(p);
    ops++;
  }
  const ptrs = new Uint32Array(blocks);
  const span = max - min + 1;
  let x = seed >>> 0;
  for (let i = 0; i < blocks; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    const size = min + (x - Math.floor(x / span) * span);
    const p = alloc.malloc(size);
    ptrs[i] = p;
    // One word per 4 KiB (the first holds p itself: checked before the free).
    const w = p >>> 2;
    u32[w] = p;
    for (let off = 1024; off < size >>> 2; off += 1024) u32[w + off] = i;
    ops++;
  }
  let kept = 0;
  const keepN = Math.ceil(blocks / keepEvery);
  for (let i = 0; i < blocks; i++) {
    const p = ptrs[i]!;
    if (tail ? i >= blocks - keepN : i % keepEvery === 0) {
      surv[base + 1 + kept++] = p;
      continue;
    }
    if (u32[p >>> 2] !== p) throw new Error(`burst_idle: block ${p} lost its contents (found ${u32[p >>> 2]})`);
    alloc.free(p);
    ops++;
  }
  surv[base] = kept;
  return ops;
}

async function worker(ctx: MtWorkerContext): Promise<WorkerEnd> {
  const d = ctx.data as WorkerData;
  const p = ctx.params;
  const ctrl = new Int32Array(d.ctrl);
  const surv = new Uint32Array(d.survivors);
  ctx.ready();
  waitAtLeast(ctrl, START, d.cycle + 1);
  const t0 = absNow();
  const sh = await ctx.attach();
  const base = d.index * (1 + Math.ceil(p.blocks! / p.keepEvery!));
  const seed = (BURST_SEED + 977 * d.index + 7919 * d.cycle) >>> 0;
  const ops = burst(sh.alloc, sh.views.u32, surv, base, p.blocks!, p.keepEvery!, p.min!, p.max!, seed, p.keepTail === 1);
  sh.detach();
  return { t0, t1: absNow(), ops };
}

async function main(ctx: MtMainContext): Promise<MtOutcome> {
  const T = ctx.threads;
  const p = ctx.params;
  const stride = 1 + Math.ceil(p.blocks! / p.keepEvery!);
  const survSab = new SharedArrayBuffer(T * stride * 4);
  const surv = new Uint32Array(survSab);
  const ctrlSab = new SharedArrayBuffer(4);
  const ctrl = new Int32Array(ctrlSab);
  const maintain = ctx.shared.maintain;
  const idleRss: number[] = [];
  // The process before the first burst (Node, the sampler, the reserved arena): idle RSS is also reported above it.
  const rssBase = ctx.sampleRss();
  const idleResident: number[] = [];
  const burstMs: number[] = [];
  let ops = 0;
  let maintainCalls = 0;
  for (let cycle = 0; cycle < p.cycles!; cycle++) {
    const workers = Array.from({ length: T }, (_, index) => ctx.spawn({ index, cycle, ctrl: ctrlSab, survivors: survSab } satisfies WorkerData));
    await Promise.all(workers.map((w) => w.ready));
    if (cycle === 0) ctx.markTimed();
    release(ctrl, START, cycle + 1);
    const ends = (await Promise.all(workers.map((w) => w.done))) as WorkerEnd[];
    burstMs.push(Math.max(...ends.map((e) => e.t1)) - Math.min(...ends.map((e) => e.t0)));
    ops += ends.reduce((a, e) => a + e.ops, 0);
    // Idle window.
    const idleEnd = absNow() + p.idleMs!;
    if (maintain !== undefined) {
      for (;;) {
        const left = idleEnd - absNow();
        if (left <= 0) break;
        await ctx.sleep(Math.min(p.maintainEveryMs!, left));
        maintain();
        maintainCalls++;
      }
    } else {
      await ctx.sleep(p.idleMs!);
    }
    idleRss.push(ctx.sampleRss());
    const st = ctx.shared.stats?.();
    if (st?.residentBytes !== undefined) idleResident.push(st.residentBytes);
  }
  ctx.markEnd();
  // Not timed: the last survivors.
  const alloc = ctx.shared.alloc;
  for (let i = 0; i < T; i++) {
    const n = surv[i * stride]!;
    for (let k = 0; k < n; k++) alloc.free(surv[i * stride + 1 + k]!);
    surv[i * stride] = 0;
  }
  const burstTotal = burstMs.reduce((a, b) => a + b, 0);
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    rate: ops / (burstTotal / 1000),
    elapsedMs: burstTotal,
    metrics: {
      burstOps: ops,
      burstMs: burstTotal,
      idleRssMean: mean(idleRss),
      idleRssLast: idleRss[idleRss.length - 1]!,
      rssBase,
      idleRssAboveBaseMean: mean(idleRss) - rssBase,
      ...(idleResident.length > 0 ? { idleResidentMean: mean(idleResident), idleResidentLast: idleResident[idleResident.length - 1]! } : {}),
      maintainCalls,
      threadsStarted: T * p.cycles!,
    },
    series: { idleRss, burstMs, ...(idleResident.length > 0 ? { idleResident } : {}) },
    freedEverything: true,
  };
}

function spec(tail: boolean): MtWorkloadSpec {
  return {
    name: tail ? 'burst_idle_tail' : 'burst_idle',
    kind: 'workers',
    description:
      'burst_idle: per cycle T new workers allocate blocks (16-32768 B, one word per 4 KiB written) and free all but ' +
      (tail ? 'the last 1/keepEvery they allocated (survivors packed together)' : 'every keepEvery-th (survivors spread over the heap)') +
      ', then exit; then an idle window',
    metric: 'burst ops/s',
    params: { cycles: 4, blocks: 4096, keepEvery: 16, keepTail: tail ? 1 : 0, min: 16, max: 32768, idleMs: 250, maintainEveryMs: 25, seed: BURST_SEED },
    quickParams: { cycles: 2, blocks: 512, idleMs: 100 },
    defaultThreads: [2],
    extraAllocators: tail ? ['hakozuna@s61', 'hakozuna@s55-3b'] : ['hakozuna@s61', 'hakozuna@s55-3b', 'hakozuna@mem'],
    noNoop: 'an RSS study: a fake pointer has no memory to measure',
    noSlowPeers:
      "thing's O(live blocks) frees make one run take ~6 s, and like tlsf it never gives memory back (its idle RSS is its peak); " +
      'run it with --allocators thing --workloads burst_idle',
    ...(tail ? { hakozunaOnly: 'burst_idle_tail compares hakozuna lanes (the peers never give memory back: see burst_idle)' } : {}),
    main,
    worker,
  };
}

/** Survivors spread over the heap: every keepEvery-th block (the adversarial case for a whole-segment purge). */
export const burstIdleSpec = spec(false);
/** Survivors packed: the last 1/keepEvery of the blocks each worker allocated. */
export const burstIdleTailSpec = spec(true);
