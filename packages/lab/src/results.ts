/**
 * The results model (what results.json holds) and the summary of raw runs:
 * medians over repetitions, cost above the noop floor, RSS figures and ratios.
 * A later HTML report and A/B tool read the same JSON.
 */
import { max, mean, median, min, p95 } from './stats-math.ts';
import type { ChildResult, PhaseMarks, RssBreakdownSeries } from '../bench/protocol.ts';
import { heapRssOf, type HeapRssSource } from '../bench/heap-rss.ts';
import { targetFor } from './targets.ts';
import type { AbSection } from './ab-section.ts';
import { extractOneShotLines } from './one-shot.ts';

export const RESULTS_SCHEMA = 'hakozuna-bench/1';

export interface RssWindow {
  readonly count: number;
  readonly mean: number;
  readonly p95: number;
  readonly max: number;
}

export interface RunRecord {
  readonly workload: string;
  readonly allocator: string;
  /** 0-based repetition. Runs are interleaved: rep 0 of every pair, then rep 1, ... */
  readonly rep: number;
  readonly ok: boolean;
  readonly error?: string;
  readonly iterations: number;
  readonly warmupIterations: number;
  readonly opsPerSec?: number;
  readonly elapsedMs?: number;
  /** Whole child process, ms. */
  readonly wallMs: number;
  readonly rss?: {
    readonly intervalMs: number;
    /** Over the timed run only (samples between the `timed` and `end` marks, inclusive). */
    readonly timed?: RssWindow;
    /** Over the whole child process. */
    readonly run?: RssWindow;
    readonly samples: readonly (readonly [number, number])[];
  };
  readonly marks?: PhaseMarks;
  readonly maxRssBytes?: number;
  readonly allocatorStats?: Record<string, number>;
  readonly stdout?: string;
  readonly stderr?: string;
  /** The allocator's one-shot `[HZ3_...] key=value` lines (printed at exit; lanes with boxes or observers on). */
  readonly oneShot?: readonly string[];
  /**
   * Heap RSS: the allocator's buffer as the OS sees it (mincore; metadata + data), or
   * its own account in record-only mode (`source: 'account'`), at the RSS samples.
   */
  readonly heapRss?: HeapRssRecord;
  /** The allocator's RSS breakdown over the run (hakozuna's research lane), on the RSS samples' clock. */
  readonly rssBreakdown?: RssBreakdownSeries;
}

export interface HeapRssRecord {
  readonly label: string;
  readonly source: HeapRssSource;
  readonly note: string;
  /** Heap RSS (metadata + data, or the account) over the timed run / the whole child. */
  readonly timed?: RssWindow;
  readonly run?: RssWindow;
  /** The data part alone over the timed run (mincore only; the metadata's pages are mostly the thread slots and page tags). */
  readonly timedData?: RssWindow;
  /** [ms, metadata bytes, data bytes, account bytes], null where not measured. */
  readonly samples: readonly (readonly [number, number | null, number | null, number | null])[];
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface SummaryRow {
  readonly workload: string;
  readonly allocator: string;
  readonly iterations: number;
  readonly okRuns: number;
  readonly failedRuns: number;
  /** Set when the allocator was not run at all. */
  readonly skipped?: string;
  readonly opsPerSec?: Spread;
  readonly nsPerOp?: number;
  /** ns/op minus the noop floor's ns/op (same workload). */
  readonly nsAboveFloor?: number;
  /** ops/s as a fraction of the noop floor's (same workload). */
  readonly fractionOfFloor?: number;
  /** Medians over repetitions of each run's timed-window figures, bytes. */
  readonly rss?: { readonly mean: number; readonly p95: number; readonly max: number };
  readonly maxRssBytes?: number;
  /** Median over repetitions, per key. */
  readonly allocatorStats?: Record<string, number>;
  /** Medians over repetitions of the heap RSS of the timed run (see RunRecord.heapRss), bytes. */
  readonly heapRss?: { readonly mean: number; readonly p95: number; readonly max: number; readonly dataMean?: number; readonly source: HeapRssSource; readonly note: string };
}

export interface RatioRow {
  readonly workload: string;
  readonly numerator: string;
  readonly denominator: string;
  /** Ratio of median ops/s. */
  readonly ratio: number;
  readonly target?: number;
  readonly met?: boolean;
}

export interface AllocatorStatus {
  readonly id: string;
  readonly description: string;
  readonly status: 'ok' | 'skipped';
  readonly note?: string;
  /** hakozuna: the lane and flags its bundle was built with. */
  readonly lane?: unknown;
}

export interface BenchMeta {
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly command: string;
  /** HEAD when the run started; dirty = uncommitted changes under src/, bench/ or scripts/. */
  readonly git?: { readonly commit: string; readonly dirty: boolean };
  readonly node: string;
  readonly v8: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemBytes: number;
  readonly options: Record<string, unknown>;
}

export interface BenchResults {
  readonly schema: typeof RESULTS_SCHEMA;
  readonly meta: BenchMeta;
  readonly workloads: readonly { name: string; description: string; params: Record<string, number | string> }[];
  readonly allocators: readonly AllocatorStatus[];
  readonly runs: readonly RunRecord[];
  readonly summary: readonly SummaryRow[];
  readonly ratios: readonly RatioRow[];
  readonly notes: readonly string[];
  /** Present in the JSON of `hakozuna ab`: pairs, ratios and the GO / NO-GO verdict (packages/lab/src/ab-section.ts; built by ab-model.ts). */
  readonly ab?: AbSection;
}

export function rssWindow(samples: readonly (readonly [number, number])[], from = -Infinity, to = Infinity): RssWindow | undefined {
  const v: number[] = [];
  for (const [t, b] of samples) if (t >= from && t <= to) v.push(b);
  if (v.length === 0) return undefined;
  return { count: v.length, mean: mean(v), p95: p95(v), max: max(v) };
}

/** The heap RSS of a child's result as a run record keeps it: the samples and their windows. */
export function heapRssRecord(r: Pick<ChildResult, 'heapRss' | 'marks'>): HeapRssRecord | undefined {
  const h = r.heapRss;
  if (h === undefined) return undefined;
  const total = h.samples
    .map((x) => [x[0], heapRssOf(x, h.source)] as const)
    .filter((x): x is readonly [number, number] => x[1] !== undefined);
  const data = h.source === 'mincore' ? h.samples.filter((x) => x[2] !== null).map((x) => [x[0], x[2]!] as const) : [];
  const timed = rssWindow(total, r.marks.timed, r.marks.end);
  const run = rssWindow(total);
  const timedData = rssWindow(data, r.marks.timed, r.marks.end);
  return { label: h.label, source: h.source, note: h.note, ...(timed ? { timed } : {}), ...(run ? { run } : {}), ...(timedData ? { timedData } : {}), samples: h.samples };
}

/** A run record from a child's result. */
export function recordFromResult(
  base: { workload: string; allocator: string; rep: number; iterations: number; warmupIterations: number; wallMs: number },
  r: ChildResult,
  output: { stdout: string; stderr: string },
): RunRecord {
  const timed = rssWindow(r.rssSamples, r.marks.timed, r.marks.end);
  const run = rssWindow(r.rssSamples);
  return {
    ...base,
    ok: true,
    opsPerSec: r.opsPerSec,
    elapsedMs: r.elapsedMs,
    rss: { intervalMs: r.sampleIntervalMs, ...(timed ? { timed } : {}), ...(run ? { run } : {}), samples: r.rssSamples },
    marks: r.marks,
    maxRssBytes: r.maxRssBytes,
    ...(r.allocatorStats !== undefined ? { allocatorStats: r.allocatorStats } : {}),
    ...(r.rssBreakdown !== undefined ? { rssBreakdown: r.rssBreakdown } : {}),
    ...(() => {
      const h = heapRssRecord(r);
      return h !== undefined ? { heapRss: h } : {};
    })(),
    ...(output.stdout !== '' ? { stdout: output.stdout } : {}),
    ...(output.stderr !== '' ? { stderr: output.stderr } : {}),
    ...(() => {
      const lines = extractOneShotLines(`${output.stderr}\n${output.stdout}`);
      return lines.length > 0 ? { oneShot: lines } : {};
    })(),
  };
}

function medianOf(values: (number | undefined)[]): number | undefined {
  const v = values.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length === 0 ? undefined : median(v);
}

function medianStats(list: (Record<string, number> | undefined)[]): Record<string, number> | undefined {
  const keys = new Set<string>();
  for (const s of list) if (s) for (const k of Object.keys(s)) keys.add(k);
  if (keys.size === 0) return undefined;
  const out: Record<string, number> = {};
  for (const k of keys) {
    const m = medianOf(list.map((s) => s?.[k]));
    if (m !== undefined) out[k] = m;
  }
  return out;
}

export function summarizeRuns(
  runs: readonly RunRecord[],
  workloads: readonly string[],
  allocators: readonly AllocatorStatus[],
  iterationsFor: (allocator: string) => number,
  floor = 'noop',
): SummaryRow[] {
  const rows: SummaryRow[] = [];
  for (const w of workloads) {
    const floorOps = medianOf(runs.filter((r) => r.workload === w && r.allocator === floor && r.ok).map((r) => r.opsPerSec));
    for (const a of allocators) {
      const mine = runs.filter((r) => r.workload === w && r.allocator === a.id);
      const ok = mine.filter((r) => r.ok);
      const base = { workload: w, allocator: a.id, iterations: iterationsFor(a.id), okRuns: ok.length, failedRuns: mine.length - ok.length };
      if (a.status === 'skipped') {
        rows.push({ ...base, skipped: a.note ?? 'skipped' });
        continue;
      }
      if (ok.length === 0) {
        rows.push(base);
        continue;
      }
      const ops = ok.map((r) => r.opsPerSec!);
      const med = median(ops);
      rows.push({
        ...base,
        opsPerSec: { median: med, min: min(ops), max: max(ops) },
        nsPerOp: 1e9 / med,
        ...(floorOps !== undefined ? { nsAboveFloor: 1e9 / med - 1e9 / floorOps, fractionOfFloor: med / floorOps } : {}),
        rss: {
          mean: medianOf(ok.map((r) => r.rss?.timed?.mean)) ?? NaN,
          p95: medianOf(ok.map((r) => r.rss?.timed?.p95)) ?? NaN,
          max: medianOf(ok.map((r) => r.rss?.timed?.max)) ?? NaN,
        },
        ...(() => {
          const m = medianOf(ok.map((r) => r.maxRssBytes));
          return m !== undefined ? { maxRssBytes: m } : {};
        })(),
        ...(() => {
          const s = medianStats(ok.map((r) => r.allocatorStats));
          return s !== undefined ? { allocatorStats: s } : {};
        })(),
        ...summarizeHeapRss(ok),
      });
    }
  }
  return rows;
}

/** The summary's heapRss: medians over the runs that measured it, with the first run's source and note. */
function summarizeHeapRss(ok: readonly RunRecord[]): { heapRss?: SummaryRow['heapRss'] } {
  const with_ = ok.filter((r) => r.heapRss?.timed !== undefined);
  if (with_.length === 0) {
    const h = ok.find((r) => r.heapRss !== undefined)?.heapRss;
    return h !== undefined ? { heapRss: { mean: NaN, p95: NaN, max: NaN, source: h.source, note: h.note } } : {};
  }
  const first = with_[0]!.heapRss!;
  const dataMean = medianOf(with_.map((r) => r.heapRss!.timedData?.mean));
  return {
    heapRss: {
      mean: medianOf(with_.map((r) => r.heapRss!.timed!.mean))!,
      p95: medianOf(with_.map((r) => r.heapRss!.timed!.p95))!,
      max: medianOf(with_.map((r) => r.heapRss!.timed!.max))!,
      ...(dataMean !== undefined ? { dataMean } : {}),
      source: first.source,
      note: first.note,
    },
  };
}

/** Every hakozuna variant against every other allocator (and the floor), per workload. */
export function computeRatios(summary: readonly SummaryRow[], isHakozuna: (id: string) => boolean): RatioRow[] {
  const out: RatioRow[] = [];
  const byWorkload = new Map<string, SummaryRow[]>();
  for (const r of summary) {
    if (!byWorkload.has(r.workload)) byWorkload.set(r.workload, []);
    byWorkload.get(r.workload)!.push(r);
  }
  for (const [w, rows] of byWorkload) {
    for (const h of rows) {
      if (!isHakozuna(h.allocator) || h.opsPerSec === undefined) continue;
      for (const p of rows) {
        if (p === h || p.opsPerSec === undefined) continue;
        const ratio = h.opsPerSec.median / p.opsPerSec.median;
        const target = targetFor(p.allocator, w);
        out.push({
          workload: w,
          numerator: h.allocator,
          denominator: p.allocator,
          ratio,
          ...(target !== undefined ? { target, met: ratio >= target } : {}),
        });
      }
    }
  }
  return out;
}
