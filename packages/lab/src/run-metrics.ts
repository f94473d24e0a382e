/**
 * Reading figures out of results.json generically, for the A/B tool and the
 * HTML report: nothing here knows the workload names. A workload's metric kind
 * comes from the JSON:
 *
 * - `workloads[i].metric` (or `params.metric`, or the runs' `mt.metric`) when
 *   present: a string such as 'ops/s', 'allocations/s', 'frees/s' (a rate:
 *   higher is better) or 'seconds', 'wall time' (a duration: lower is better);
 * - otherwise a rate when its runs carry `opsPerSec`, else a duration from
 *   `seconds` / `elapsedMs`.
 *
 * A run's *speed* (higher is better) is its rate, or 1 / its duration.
 */
import type { BenchResults, RunRecord } from './results.ts';
import type { MetricKind } from './ab-section.ts';
import { extractOneShotLines } from './one-shot.ts';

export interface WorkloadMetric {
  readonly kind: MetricKind;
  /** What to print on axes and in tables, e.g. 'ops/s', 'allocs/s', 'seconds'. */
  readonly label: string;
}

type Loose = Record<string, unknown>;
const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);

export function workloadMetric(results: Pick<BenchResults, 'workloads' | 'runs'>, workload: string): WorkloadMetric {
  const w = results.workloads.find((x) => x.name === workload) as Loose | undefined;
  const runs = results.runs.filter((r) => r.workload === workload && r.ok);
  const fromRun = runs.map((r) => ((r as unknown as Loose).mt as Loose | undefined)?.metric).find((m) => typeof m === 'string');
  const declared = (w?.metric ?? (w?.params as Loose | undefined)?.metric ?? fromRun) as unknown;
  const text = typeof declared === 'string' ? declared : typeof (declared as Loose | undefined)?.kind === 'string' ? String((declared as Loose).kind) : undefined;
  if (text !== undefined && text.trim() !== '') {
    const t = text.trim();
    if (/\/\s*s(ec)?\b|per\s+s(ec|econd)?\b/i.test(t)) return { kind: 'ops/s', label: t };
    if (/^(s|sec|secs|seconds?|ms|wall|time|duration|elapsed)\b/i.test(t) || /seconds|wall.?time/i.test(t)) return { kind: 'seconds', label: 'seconds' };
    return { kind: 'ops/s', label: t };
  }
  if (runs.length === 0 || runs.some((r) => num(r.opsPerSec) !== undefined)) return { kind: 'ops/s', label: 'ops/s' };
  return { kind: 'seconds', label: 'seconds' };
}

/** The run's figure in its metric's unit (ops/s or seconds); undefined for a failed run. */
export function runValue(run: RunRecord, metric: WorkloadMetric): number | undefined {
  if (!run.ok) return undefined;
  const r = run as unknown as Loose;
  if (metric.kind === 'ops/s') return num(r.opsPerSec);
  const s = num(r.seconds) ?? num(r.wallSeconds);
  if (s !== undefined) return s;
  const ms = num(r.elapsedMs);
  return ms !== undefined ? ms / 1000 : undefined;
}

/** Higher is better: the rate, or 1 / seconds. */
export function runSpeed(run: RunRecord, metric: WorkloadMetric): number | undefined {
  const v = runValue(run, metric);
  if (v === undefined || !(v > 0)) return undefined;
  return metric.kind === 'ops/s' ? v : 1 / v;
}

/** Mean RSS of the run's timed window (else of the whole run), bytes. */
export function runRssMean(run: RunRecord): number | undefined {
  if (!run.ok) return undefined;
  return num(run.rss?.timed?.mean) ?? num(run.rss?.run?.mean);
}

/** Seconds the allocator's counters cover: warm-up start to the end of the timed run when marked, else the timed run. */
export function statsWindowSeconds(run: RunRecord): number | undefined {
  const m = run.marks;
  if (m && num(m.warmup) !== undefined && num(m.end) !== undefined && m.end! > m.warmup!) return (m.end! - m.warmup!) / 1000;
  const ms = num(run.elapsedMs);
  return ms !== undefined && ms > 0 ? ms / 1000 : undefined;
}

/**
 * Release calls (madvise) per second: the run's own figure over its timed window when it
 * has one (`mt.releaseCallsPerSec`, `releaseCallsPerSec`), else heap.stats().releaseCallsTotal
 * over {@link statsWindowSeconds}; undefined when the run has no such stat.
 */
export function runReleaseCallsPerSec(run: RunRecord): number | undefined {
  if (!run.ok) return undefined;
  const own = num(((run as unknown as Loose).mt as Loose | undefined)?.releaseCallsPerSec) ?? num((run as unknown as Loose).releaseCallsPerSec);
  if (own !== undefined) return own;
  const calls = num(run.allocatorStats?.releaseCallsTotal);
  const secs = statsWindowSeconds(run);
  if (calls === undefined || secs === undefined) return undefined;
  return calls / secs;
}

/** The one-shot `[HZ3_...] key=value` lines of a run: its `oneShot` field when present, else found in its output. */
export function runOneShotLines(run: RunRecord): string[] {
  const field = (run as unknown as Loose).oneShot ?? ((run as unknown as Loose).mt as Loose | undefined)?.boxLines;
  if (Array.isArray(field)) return field.filter((x): x is string => typeof x === 'string');
  return extractOneShotLines(`${run.stderr ?? ''}\n${run.stdout ?? ''}`);
}

/** Named number series a run carries (e.g. burst_idle's RSS at the end of each idle window): `series` or `mt.series`. */
export function runSeries(run: RunRecord): Record<string, number[]> {
  const r = run as unknown as Loose;
  const src = (r.series ?? (r.mt as Loose | undefined)?.series) as unknown;
  const out: Record<string, number[]> = {};
  if (src === null || typeof src !== 'object') return out;
  for (const [k, v] of Object.entries(src as Loose)) {
    if (Array.isArray(v)) {
      const nums = v.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (nums.length > 0) out[k] = nums;
    }
  }
  return out;
}

/** Display name of an allocator: its id, plus the lane its bundle was built with when the id does not say it. */
export function allocatorLabel(results: Pick<BenchResults, 'allocators'>, id: string): string {
  if (id.includes('@')) return id;
  const st = results.allocators.find((a) => a.id === id);
  const lane = (st?.lane as { lane?: unknown } | undefined)?.lane;
  return typeof lane === 'string' ? `${id}@${lane}` : id;
}
