/**
 * Tables of what thread starts cost in the multi-worker runs (packages/lab/src/mt-threads.ts):
 * per run, how its threads started (pooled attach or spawned Worker), and, when a
 * suite ran both modes, each workload's figures side by side with the ratio.
 */
import type { MtSummaryRow } from './mt-summary.ts';
import { fmtHeapRss, fmtMops, type Table } from './table.ts';

const ms = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3));
const count = (x: number | undefined): string => (x === undefined ? '-' : String(Math.round(x)));
const rate = (x: number | undefined): string => (x === undefined ? '-' : x >= 1e5 ? fmtMops(x) + 'M' : x >= 1e3 ? (x / 1e3).toFixed(1) + 'k' : x.toFixed(1));

/** Per run (median over repetitions): thread starts, their latency, attach time, and the reuse of workers and slots. */
export function threadStartsTable(rows: readonly MtSummaryRow[]): Table | undefined {
  const withStarts = rows.filter((s) => s.mt?.threadStarts !== undefined);
  if (withStarts.length === 0) return undefined;
  return {
    title: 'Thread starts of the multi-worker runs (medians over repetitions; ms)',
    headers: ['workload', 'allocator', 'mode', 'thread starts', 'start ms', 'start ms max', 'attach ms', 'detaches', 'Worker threads', 'heap slots', 'reused workers', 'pool', 'Worker start-up ms'],
    align: ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: withStarts.map((s) => {
      const t = s.mt!.threadStarts!;
      return [
        s.workload,
        s.allocator,
        s.mt!.threadsMode ?? '-',
        count(t.starts),
        ms(t.latencyMsMedian),
        ms(t.latencyMsMax),
        ms(t.attachMsMedian),
        count(t.detaches),
        count(t.workers),
        count(t.slots),
        count(t.reattached),
        t.poolSize === undefined ? '-' : `${count(t.poolSize)}${t.poolGrown ? ` (+${count(t.poolGrown)})` : ''}`,
        ms(t.workerStartupMsMedian),
      ];
    }),
    footnotes: [
      "start = ms from the workload's ctx.spawn to the thread's first line of workload code: spawn mode includes the new Worker's start-up (isolate, bundle, JIT);",
      'pooled mode is a message to a warm worker. attach = ctx.attach() (hakozuna: attachHeap). reused workers = threads run by a Worker that had run (and detached) one before;',
      'heap slots = distinct hakozuna thread slots the threads attached to. Worker start-up = ms from new Worker() to ready, measured on the pool as it starts (outside the measured window).',
    ],
  };
}

/** When both modes ran: per workload, thread count and allocator, pooled beside spawn. */
export function pooledVsSpawnTable(rows: readonly MtSummaryRow[]): Table | undefined {
  const spawned = rows.filter((s) => s.workload.endsWith('_spawn') && s.opsPerSec !== undefined);
  const out: string[][] = [];
  for (const sp of spawned) {
    const name = sp.workload.replace(/_spawn$/, '');
    const po = rows.find((s) => s.workload === name && s.allocator === sp.allocator && s.opsPerSec !== undefined);
    if (po === undefined) continue;
    const ratio = po.opsPerSec!.median / sp.opsPerSec!.median;
    out.push([
      name,
      sp.allocator,
      sp.mt?.metric ?? 'ops/s',
      rate(po.opsPerSec!.median),
      rate(sp.opsPerSec!.median),
      ratio.toFixed(2),
      ms(po.mt?.threadStarts?.latencyMsMedian),
      ms(sp.mt?.threadStarts?.latencyMsMedian),
      fmtHeapRss(po, 'mean'),
      fmtHeapRss(sp, 'mean'),
    ]);
  }
  if (out.length === 0) return undefined;
  return {
    title: 'Pooled vs spawn: the same workload with a thread = attachHeap in a started worker (pooled) or a new Worker (spawn)',
    headers: ['workload', 'allocator', 'metric', 'pooled', 'spawn', 'pooled / spawn', 'start ms pooled', 'start ms spawn', 'heap RSS pooled', 'heap RSS spawn'],
    align: ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows: out,
    footnotes: ['Medians over repetitions; heap RSS in MiB (mean over the measured window). For a wall-time metric the rate is per second of wall time: higher is better either way.'],
  };
}
