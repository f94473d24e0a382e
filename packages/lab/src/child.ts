/**
 * The child side of one bench run: set up the allocator, start the RSS sampler,
 * warm up, time the run, print the result line. Each allocator gets its own
 * bundle whose entry calls {@link childMain} with that allocator only, so every
 * malloc/free call site in the workload sees one target (monomorphic, inlined).
 */
import { WORKLOADS } from '../bench/workloads/index.ts';
import type { AllocatorModule, ChildConfig, ChildResult, PhaseMarks } from '../bench/protocol.ts';
import { RESULT_MARKER, breakdownSeries } from '../bench/protocol.ts';
import { heapSeriesForResult, startRssSampler, watchAllocator } from './rss-sampler.ts';
import { isMtWorker, mtWorkerMain, runMtChild } from './mt-child.ts';
import type { MtChildConfig } from '../bench/mt-protocol.ts';

export async function childMain(mod: AllocatorModule, argv: readonly string[] = process.argv): Promise<void> {
  // Multi-worker workloads start their workers from this same bundle (packages/lab/src/mt-child.ts).
  if (isMtWorker()) return mtWorkerMain(mod);
  try {
    const cfg = JSON.parse(argv[2] ?? '') as ChildConfig;
    const result = (cfg as MtChildConfig).mt !== undefined ? await runMtChild(mod, cfg as MtChildConfig, argv[1]) : await runChild(mod, cfg);
    process.stdout.write(RESULT_MARKER + JSON.stringify(result) + '\n');
  } catch (e) {
    process.stderr.write(`[bench child ${mod.name}] ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  }
}

export async function runChild(mod: AllocatorModule, cfg: ChildConfig): Promise<ChildResult> {
  const w = WORKLOADS[cfg.workload];
  if (w === undefined) throw new Error(`unknown workload ${cfg.workload}`);
  if (w.kind !== 'single') throw new Error(`workload ${cfg.workload} is not single-threaded`);
  const sampler = await startRssSampler({ intervalMs: cfg.sampleIntervalMs });
  const marks: PhaseMarks = {};
  marks.setup = sampler.sampleNow();
  const inst = await mod.create({ maxBytes: cfg.maxBytes, files: cfg.files });
  const alloc = inst.alloc;
  const checkAccount = await watchAllocator(sampler, inst.residency);
  marks.warmup = sampler.sampleNow();
  if (cfg.warmupIterations > 0) w.run(alloc, cfg.warmupIterations);
  marks.timed = sampler.sampleNow();
  const t0 = performance.now();
  w.run(alloc, cfg.iterations);
  const t1 = performance.now();
  marks.end = sampler.sampleNow();
  const allocatorStats = inst.stats?.();
  const rssBreakdown = breakdownSeries(inst.rssBreakdown?.() ?? [], () => sampler.now());
  const accountProblem = checkAccount();
  const series = await sampler.stop();
  const heapRss = heapSeriesForResult(series, accountProblem);
  const elapsedMs = t1 - t0;
  return {
    workload: cfg.workload,
    allocator: mod.name,
    iterations: cfg.iterations,
    warmupIterations: cfg.warmupIterations,
    elapsedMs,
    opsPerSec: cfg.iterations / (elapsedMs / 1000),
    rssSamples: series.samples,
    sampleIntervalMs: series.intervalMs,
    marks,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    ...(allocatorStats !== undefined ? { allocatorStats } : {}),
    ...(heapRss !== undefined ? { heapRss } : {}),
    ...(rssBreakdown !== undefined ? { rssBreakdown } : {}),
  };
}
