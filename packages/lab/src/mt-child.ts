/**
 * The child side of a multi-worker run.
 *
 * Main thread ({@link runMtChild}): start the RSS sampler, create the
 * allocator's shared arena (this process owns the heap), run the workload's
 * main side, which starts workers with ctx.spawn(); then read the allocator's
 * figures, its one-shot box lines, and (hakozuna) heap.check() and bytesInUse.
 *
 * Workers ({@link mtWorkerMain}): the same bundle file, started with
 * workerData.role === MT_WORKER_ROLE. Each attaches to the arena (ctx.attach())
 * and runs the workload's worker function. A hakozuna worker therefore runs
 * the same lane as the heap's creator, as attachHeap requires. A thread of the
 * workload is a pooled worker's attach..detach (default) or a Worker of its own
 * (spawn mode): packages/lab/src/mt-threads.ts.
 *
 * Heap RSS: once the allocator exists, the RSS sampler also measures its buffer
 * at every sample (packages/lab/src/rss-sampler.ts watchAllocator).
 *
 * A worker that throws (a data check failed, the allocator threw) posts the
 * error; the main side rejects, every worker is terminated and the child fails
 * with the worker's message, so the parent reports it.
 */
import type { Worker } from 'node:worker_threads';
import type { AllocatorContext, PhaseMarks } from '../bench/protocol.ts';
import { breakdownSeries } from '../bench/protocol.ts';
import type { MtAllocatorModule, MtChildConfig, MtChildExtra, MtChildResult, MtMainContext, MtWorkloadSpec, SharedMain } from '../bench/mt-protocol.ts';
import { heapSeriesForResult, makeRssReader, startRssSampler, watchAllocator } from './rss-sampler.ts';
import { MT_WORKER_ROLE, ThreadLog, WorkerPool, isMtWorker, mtWorkerMain as threadsWorkerMain, spawnThread, type MtWorkerData } from './mt-threads.ts';
import { MT_WORKLOADS } from '../bench/workloads/mt/index.ts';

export { MT_WORKER_ROLE, isMtWorker };

function specOf(name: string): MtWorkloadSpec {
  const spec = MT_WORKLOADS[name];
  if (spec === undefined) throw new Error(`unknown multi-worker workload ${name}`);
  return spec;
}

export async function runMtChild(mod: MtAllocatorModule, cfg: MtChildConfig, script: string = process.argv[1]!): Promise<MtChildResult> {
  const spec = specOf(cfg.mt.spec);
  if (mod.shared === undefined) throw new Error(`allocator ${mod.name} has no multi-worker (shared) part`);
  const sampler = await startRssSampler({ intervalMs: cfg.sampleIntervalMs });
  const reader = makeRssReader();
  const marks: PhaseMarks = {};
  marks.setup = sampler.sampleNow();
  const actx: AllocatorContext = { maxBytes: cfg.maxBytes, files: cfg.files };
  const mode = cfg.mt.threadsMode ?? 'pooled';
  const log = new ThreadLog(mode);
  const workers: Worker[] = [];
  let pool: WorkerPool | undefined;
  let shared: SharedMain | undefined;
  try {
    shared = await mod.shared.create(actx);
    const sh = shared;
    const checkAccount = await watchAllocator(sampler, sh.residency);
    const bytesBefore = sh.bytesInUse?.();
    const base: MtWorkerData = { role: MT_WORKER_ROLE, mode, spec: cfg.mt.spec, threads: cfg.mt.threads, params: { ...cfg.mt.params }, handle: sh.handle, ctx: actx };
    const watch = (w: Worker): void => {
      workers.push(w);
      sh.watch?.(w);
    };
    if (mode === 'pooled') {
      // Started before the workload (outside its measured window), as a server starts its thread pool.
      pool = new WorkerPool(script, base, log, watch);
      await pool.start(Math.max(1, spec.poolSize?.(cfg.mt.threads) ?? cfg.mt.threads));
    }
    marks.warmup = sampler.sampleNow();
    // The process before the workload (Node, the sampler, the allocator's reservation): RSS is also reported above it.
    const rssBase = reader.read();
    let statsAtTimed: Record<string, number> | undefined;
    let statsAtEnd: Record<string, number> | undefined;
    let tTimed = NaN;
    let tEnd = NaN;
    const ctx: MtMainContext = {
      params: cfg.mt.params,
      threads: cfg.mt.threads,
      shared: sh,
      allocatorName: mod.name,
      spawn: (data) => (pool !== undefined ? pool.run(data) : spawnThread(script, base, data, log, watch)),
      markTimed: () => {
        marks.timed = sampler.sampleNow();
        statsAtTimed = sh.stats?.();
        tTimed = performance.now();
      },
      markEnd: () => {
        tEnd = performance.now();
        marks.end = sampler.sampleNow();
        statsAtEnd = sh.stats?.();
      },
      sampleRss: () => {
        sampler.sampleNow();
        return reader.read();
      },
      now: () => sampler.now(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    };
    const outcome = await spec.main(ctx);
    if (marks.timed === undefined) ctx.markTimed();
    if (marks.end === undefined) ctx.markEnd();
    await pool?.close();
    // Every worker has ended (the workload awaited them): the figures below are exact.
    const allocatorStats = sh.stats?.();
    const boxLines = sh.report?.();
    const rssBreakdown = breakdownSeries(sh.rssBreakdown?.() ?? [], () => sampler.now());
    let heapCheck: MtChildExtra['heapCheck'];
    if (sh.check !== undefined && bytesBefore !== undefined) {
      const problems = sh.check().problems.map(String);
      const bytesInUseAfter = sh.bytesInUse!();
      const balanced = !outcome.freedEverything || bytesInUseAfter === bytesBefore;
      heapCheck = { problems, bytesInUseBefore: bytesBefore, bytesInUseAfter, freedEverything: outcome.freedEverything, ok: problems.length === 0 && balanced };
    }
    const accountProblem = checkAccount();
    const series = await sampler.stop();
    const heapRss = heapSeriesForResult(series, accountProblem);
    reader.close();
    const releaseCallsPerSec =
      statsAtTimed?.releaseCallsTotal !== undefined && statsAtEnd?.releaseCallsTotal !== undefined && tEnd > tTimed
        ? (statsAtEnd.releaseCallsTotal - statsAtTimed.releaseCallsTotal) / ((tEnd - tTimed) / 1000)
        : undefined;
    const mt: MtChildExtra = {
      spec: spec.name,
      threads: cfg.mt.threads,
      params: cfg.mt.params,
      metric: spec.metric,
      metrics: outcome.metrics,
      ...(outcome.series !== undefined ? { series: outcome.series } : {}),
      sharing: sh.sharing,
      threadsMode: mode,
      threadStarts: log.stats(),
      rssBase,
      ...(releaseCallsPerSec !== undefined ? { releaseCallsPerSec } : {}),
      ...(boxLines !== undefined && boxLines.length > 0 ? { boxLines } : {}),
      ...(statsAtTimed !== undefined ? { statsAtTimed } : {}),
      ...(statsAtEnd !== undefined ? { statsAtEnd } : {}),
      ...(heapCheck !== undefined ? { heapCheck } : {}),
    };
    return {
      workload: cfg.workload,
      allocator: mod.name,
      iterations: cfg.iterations,
      warmupIterations: 0,
      elapsedMs: outcome.elapsedMs,
      opsPerSec: outcome.rate,
      rssSamples: series.samples,
      sampleIntervalMs: series.intervalMs,
      marks,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      ...(allocatorStats !== undefined ? { allocatorStats } : {}),
      ...(heapRss !== undefined ? { heapRss } : {}),
      ...(rssBreakdown !== undefined ? { rssBreakdown } : {}),
      mt,
    };
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate().catch(() => 0)));
    await sampler.stop().catch(() => undefined);
    throw e;
  }
}

/** Entry of a worker thread started by runMtChild (called from childMain when isMtWorker()). */
export function mtWorkerMain(mod: MtAllocatorModule): Promise<void> {
  return threadsWorkerMain(mod, specOf);
}
