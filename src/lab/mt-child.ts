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
 * the same lane as the heap's creator, as attachHeap requires.
 *
 * A worker that throws (a data check failed, the allocator threw) posts the
 * error; the main side rejects, every worker is terminated and the child fails
 * with the worker's message, so the parent reports it.
 */
import { Worker, parentPort, workerData } from 'node:worker_threads';
import type { AllocatorContext, PhaseMarks } from './protocol.ts';
import type {
  MtAllocatorModule, MtChildConfig, MtChildExtra, MtChildResult, MtMainContext, MtWorker, MtWorkerContext, MtWorkloadSpec, SharedMain, SharedWorker,
} from './mt-protocol.ts';
import { makeRssReader, startRssSampler } from './rss-sampler.ts';
import { MT_WORKLOADS } from '../../bench/workloads/mt/index.ts';

export const MT_WORKER_ROLE = 'hakozuna-bench-mt-worker';

interface MtWorkerData {
  readonly role: typeof MT_WORKER_ROLE;
  readonly spec: string;
  readonly threads: number;
  readonly params: Record<string, number>;
  readonly handle: unknown;
  readonly ctx: AllocatorContext;
  readonly data: unknown;
}

type WorkerMsg = { t: 'ready' } | { t: 'msg'; d: unknown } | { t: 'done'; r: unknown } | { t: 'error'; message: string; stack?: string };

/** True in a worker thread started by runMtChild. */
export function isMtWorker(): boolean {
  return (workerData as MtWorkerData | null)?.role === MT_WORKER_ROLE;
}

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
  const workers: Worker[] = [];
  let shared: SharedMain | undefined;
  try {
    shared = await mod.shared.create(actx);
    const sh = shared;
    const bytesBefore = sh.bytesInUse?.();
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
      spawn: (data) => {
        const wd: MtWorkerData = { role: MT_WORKER_ROLE, spec: cfg.mt.spec, threads: cfg.mt.threads, params: { ...cfg.mt.params }, handle: sh.handle, ctx: actx, data };
        const w = new Worker(script, { workerData: wd });
        workers.push(w);
        sh.watch?.(w);
        return wrapWorker(w);
      },
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
    // Every worker has ended (the workload awaited them): the figures below are exact.
    const allocatorStats = sh.stats?.();
    const boxLines = sh.report?.();
    let heapCheck: MtChildExtra['heapCheck'];
    if (sh.check !== undefined && bytesBefore !== undefined) {
      const problems = sh.check().problems.map(String);
      const bytesInUseAfter = sh.bytesInUse!();
      const balanced = !outcome.freedEverything || bytesInUseAfter === bytesBefore;
      heapCheck = { problems, bytesInUseBefore: bytesBefore, bytesInUseAfter, freedEverything: outcome.freedEverything, ok: problems.length === 0 && balanced };
    }
    const series = await sampler.stop();
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
      mt,
    };
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate().catch(() => 0)));
    await sampler.stop().catch(() => undefined);
    throw e;
  }
}

function wrapWorker(w: Worker): MtWorker {
  const listeners: ((d: unknown) => void)[] = [];
  let readyResolve!: () => void;
  let readyReject!: (e: Error) => void;
  const ready = new Promise<void>((res, rej) => {
    readyResolve = res;
    readyReject = rej;
  });
  const done = new Promise<unknown>((resolve, reject) => {
    let finished = false;
    const fail = (e: Error): void => {
      if (finished) return;
      finished = true;
      readyReject(e);
      reject(e);
    };
    w.on('message', (m: WorkerMsg) => {
      if (m.t === 'ready') readyResolve();
      else if (m.t === 'msg') for (const f of listeners) f(m.d);
      else if (m.t === 'done') {
        finished = true;
        readyResolve();
        resolve(m.r);
      } else if (m.t === 'error') fail(new Error(`worker ${w.threadId}: ${m.message}${m.stack ? `\n${m.stack}` : ''}`));
    });
    w.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => fail(new Error(`worker ${w.threadId} exited (code ${code}) before it finished`)));
  });
  // Marked handled here; whoever awaits them still sees the rejection.
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return { worker: w, ready, done, onMessage: (f) => void listeners.push(f) };
}

/** Entry of a worker thread started by runMtChild (called from childMain when isMtWorker()). */
export async function mtWorkerMain(mod: MtAllocatorModule): Promise<void> {
  const wd = workerData as MtWorkerData;
  const port = parentPort!;
  try {
    const spec = specOf(wd.spec);
    if (mod.shared === undefined) throw new Error(`allocator ${mod.name} has no multi-worker (shared) part`);
    const sharedMod = mod.shared;
    const ctx: MtWorkerContext = {
      data: wd.data,
      params: wd.params,
      threads: wd.threads,
      attach: async (): Promise<SharedWorker> => sharedMod.attach(wd.handle, wd.ctx),
      ready: () => port.postMessage({ t: 'ready' } satisfies WorkerMsg),
      post: (d) => port.postMessage({ t: 'msg', d } satisfies WorkerMsg),
    };
    const r = await spec.worker(ctx);
    port.postMessage({ t: 'done', r } satisfies WorkerMsg);
  } catch (e) {
    const err = e as Error;
    port.postMessage({ t: 'error', message: err?.message ?? String(e), stack: err?.stack } satisfies WorkerMsg);
  }
}
