/**
 * The A/B section of results.json (`ab`, its shape in ab-section.ts), built from
 * the runs of a bench JSON: run i of A is paired with run i of B (the same
 * repetition index; the runs were made A B A B ... in that order), per workload;
 * and its tables. Pure: no I/O.
 */
import { abDecision, fmtChange, fmtRate, type AbCriteria, type AbPairInput, DEFAULT_AB_CRITERIA } from './verdict.ts';
import { AB_SCHEMA, type AbPairRecord, type AbRunFigures, type AbSection, type AbSide, type AbWorkloadSection, type MetricKind } from './ab-section.ts';
import type { BenchResults, RunRecord } from './results.ts';
import { runReleaseCallsPerSec, runRssMean, runSpeed, runValue, workloadMetric } from './run-metrics.ts';
import type { Table } from './table.ts';
import { median } from './stats-math.ts';

function figures(run: RunRecord | undefined, metric: ReturnType<typeof workloadMetric>): AbRunFigures | undefined {
  if (run === undefined) return undefined;
  const v = runValue(run, metric);
  const s = runSpeed(run, metric);
  const rss = runRssMean(run);
  const calls = run.ok ? run.allocatorStats?.releaseCallsTotal : undefined;
  const rate = runReleaseCallsPerSec(run);
  const resident = run.ok ? run.allocatorStats?.residentBytes : undefined;
  const heap = run.ok && run.heapRss !== undefined && run.heapRss.source !== 'none' ? run.heapRss : undefined;
  const heapMean = heap?.timed?.mean;
  return {
    rep: run.rep,
    ok: run.ok,
    ...(run.error !== undefined ? { error: run.error } : {}),
    ...(v !== undefined ? { value: v } : {}),
    ...(s !== undefined ? { speed: s } : {}),
    ...(rss !== undefined ? { rssMean: rss } : {}),
    ...(heapMean !== undefined && Number.isFinite(heapMean) ? { heapRssMean: heapMean, heapRssSource: heap!.source as 'mincore' | 'account' } : {}),
    ...(typeof calls === 'number' ? { releaseCallsTotal: calls } : {}),
    ...(rate !== undefined ? { releaseCallsPerSec: rate } : {}),
    ...(typeof resident === 'number' && Number.isFinite(resident) ? { residentBytes: resident } : {}),
  };
}

/** Build the `ab` section from a results JSON whose runs hold `a.id` and `b.id`. */
export function abSectionFrom(
  results: Pick<BenchResults, 'workloads' | 'runs'>,
  a: AbSide,
  b: AbSide,
  opts: { pairs?: number; criteria?: Partial<AbCriteria>; workloads?: readonly string[] } = {},
): AbSection {
  const criteria: AbCriteria = { ...DEFAULT_AB_CRITERIA, ...(opts.criteria ?? {}) };
  const names = opts.workloads ?? results.workloads.map((w) => w.name);
  const inputs: [string, AbPairInput[]][] = [];
  const partial: { workload: string; metric: ReturnType<typeof workloadMetric>; pairs: AbPairRecord[] }[] = [];
  for (const w of names) {
    const metric = workloadMetric(results, w);
    const reps = [...new Set(results.runs.filter((r) => r.workload === w && (r.allocator === a.id || r.allocator === b.id)).map((r) => r.rep))].sort(
      (x, y) => x - y,
    );
    const pairs: AbPairRecord[] = reps.map((rep) => {
      const fa = figures(results.runs.find((r) => r.workload === w && r.allocator === a.id && r.rep === rep), metric);
      const fb = figures(results.runs.find((r) => r.workload === w && r.allocator === b.id && r.rep === rep), metric);
      const speedRatio = fa?.speed !== undefined && fb?.speed !== undefined ? fb.speed / fa.speed : undefined;
      const processRssRatio = fa?.rssMean !== undefined && fb?.rssMean !== undefined ? fb.rssMean / fa.rssMean : undefined;
      const heapRssRatio = fa?.heapRssMean !== undefined && fb?.heapRssMean !== undefined && fa.heapRssMean > 0 ? fb.heapRssMean / fa.heapRssMean : undefined;
      const residentRatio = fa?.residentBytes !== undefined && fb?.residentBytes !== undefined && fa.residentBytes > 0 ? fb.residentBytes / fa.residentBytes : undefined;
      return {
        pair: rep,
        ...(fa ? { a: fa } : {}),
        ...(fb ? { b: fb } : {}),
        ...(speedRatio !== undefined ? { speedRatio } : {}),
        ...(heapRssRatio !== undefined ? { heapRssRatio } : {}),
        ...(processRssRatio !== undefined ? { processRssRatio } : {}),
        ...(residentRatio !== undefined ? { residentRatio } : {}),
      };
    });
    // Only complete pairs (both runs ok) go to the gate.
    const complete = pairs.filter((p) => p.a?.ok === true && p.b?.ok === true);
    inputs.push([w, complete.map((p) => ({ a: p.a!, b: p.b! }))]);
    partial.push({ workload: w, metric, pairs });
  }
  const noteOf = (w: string, id: string): string | undefined => results.runs.find((r) => r.workload === w && r.allocator === id && r.heapRss !== undefined)?.heapRss?.note;
  const decision = abDecision(inputs, criteria);
  const workloads: AbWorkloadSection[] = partial.map((p, i) => {
    const v = decision.workloads[i]!.verdict;
    const incomplete = p.pairs.length - inputs[i]![1].length;
    const residents = p.pairs.filter((x) => x.a?.ok === true && x.b?.ok === true).map((x) => x.residentRatio).filter((x): x is number => x !== undefined);
    // The gated ratio of each pair, as the verdict judged it.
    const pairs = p.pairs.map((x) => {
      const g = v.rssBasis === 'heap' ? x.heapRssRatio : x.processRssRatio;
      return g !== undefined ? { ...x, rssRatio: g } : x;
    });
    const na = noteOf(p.workload, a.id);
    const nb = noteOf(p.workload, b.id);
    return {
      workload: p.workload,
      metric: p.metric.kind,
      metricLabel: p.metric.label,
      pairs,
      ...(v.speedRatio !== undefined ? { speedRatio: v.speedRatio } : {}),
      ...(v.rssRatio !== undefined ? { rssRatio: v.rssRatio } : {}),
      ...(v.heapRssRatio !== undefined ? { heapRssRatio: v.heapRssRatio } : {}),
      ...(v.processRssRatio !== undefined ? { processRssRatio: v.processRssRatio } : {}),
      rssBasis: v.rssBasis,
      ...(v.heapRssSource !== undefined ? { heapRssSource: v.heapRssSource } : {}),
      ...(na !== undefined || nb !== undefined ? { heapRssNotes: { ...(na !== undefined ? { a: na } : {}), ...(nb !== undefined ? { b: nb } : {}) } } : {}),
      releaseCallsPerSec: v.releaseCallsPerSec,
      ...(residents.length > 0 ? { residentRatio: median(residents) } : {}),
      verdict: v.verdict,
      failed: v.failed,
      reasons: incomplete > 0 ? [...v.reasons, `${incomplete} pair(s) left out: a run failed or is missing`] : v.reasons,
    };
  });
  return {
    schema: AB_SCHEMA,
    a,
    b,
    pairs: opts.pairs ?? Math.max(0, ...workloads.map((w) => w.pairs.length)),
    criteria,
    verdict: decision.verdict,
    reasons: decision.reasons,
    workloads,
  };
}

const MIB = 1024 * 1024;

export function fmtValue(v: number | undefined, kind: MetricKind): string {
  if (v === undefined) return '-';
  if (kind === 'seconds') return v >= 10 ? v.toFixed(1) + ' s' : v.toFixed(3) + ' s';
  if (v < 1e6) {
    const k = v / 1e3;
    return k >= 100 ? k.toFixed(0) + 'k' : k >= 1 ? k.toFixed(1) + 'k' : v.toPrecision(3);
  }
  const m = v / 1e6;
  return (m >= 10 ? m.toFixed(1) : m.toFixed(2)) + 'M';
}

const fmtRatio = (r: number | undefined): string => (r === undefined ? '-' : `${r.toFixed(3)} (${fmtChange(r)})`);
const fmtMiB = (b: number | undefined): string => (b === undefined ? '-' : (b / MIB).toFixed(1));

/** What the RSS criterion of a workload was judged on, in a table cell. */
export function gatedOn(w: Pick<AbWorkloadSection, 'rssBasis' | 'heapRssSource'>): string {
  // An ab section written before heap RSS existed has no rssBasis: it was gated on process RSS.
  if (w.rssBasis !== 'heap') return 'process RSS';
  return w.heapRssSource === 'account' ? 'heap RSS (account, record-only)' : 'heap RSS (mincore)';
}

/** The verdict table: one row per workload. */
export function abVerdictTable(ab: AbSection): Table {
  const notes = [...new Set(ab.workloads.flatMap((w) => [w.heapRssNotes?.a, w.heapRssNotes?.b]).filter((x): x is string => x !== undefined))];
  return {
    title: `A/B verdict: A = ${ab.a.id}, B = ${ab.b.id} (medians of per-pair B/A ratios; GO: mean heap RSS ${fmtChange(ab.criteria.rssMaxRatio)} or better and speed ${fmtChange(ab.criteria.speedMinRatio)} or better)`,
    headers: ['workload', 'metric', 'pairs', 'speed B/A', 'heap RSS B/A', 'process RSS B/A', 'gated on', 'release calls/s A', 'release calls/s B', 'heap resident B/A', 'verdict', 'reason'],
    align: ['l', 'l', 'r', 'r', 'r', 'r', 'l', 'r', 'r', 'r', 'l', 'l'],
    rows: ab.workloads.map((w) => [
      w.workload,
      w.metricLabel,
      String(w.pairs.filter((p) => p.speedRatio !== undefined).length),
      fmtRatio(w.speedRatio),
      w.heapRssRatio === undefined ? 'n/a' : fmtRatio(w.heapRssRatio),
      fmtRatio(w.processRssRatio ?? (w.rssBasis !== 'heap' ? w.rssRatio : undefined)),
      gatedOn(w),
      fmtRate(w.releaseCallsPerSec.a),
      fmtRate(w.releaseCallsPerSec.b),
      w.residentRatio === undefined ? 'n/a' : w.residentRatio.toFixed(3),
      w.verdict,
      w.verdict === 'GO' ? '' : w.reasons.join('; '),
    ]),
    footnotes: [
      'heap RSS = mean over the timed run of the heap\'s resident bytes (mincore of the arena, metadata + data; the allocator\'s own account in record-only mode); it is what the gate judges.',
      'process RSS = the whole process (Node\'s ~58 MiB included), shown beside it; heap resident = the allocator\'s own resident bytes at the end of the run (heap.stats()), not gated.',
      ...notes.map((n) => `heap RSS of ${n}`),
      `overall: ${ab.verdict}${ab.verdict === 'GO' ? '' : ' (' + ab.reasons.join(' | ') + ')'}`,
    ],
  };
}

/** Every pair: A and B figures side by side and their ratios. */
export function abPairsTable(ab: AbSection): Table {
  const rows: string[][] = [];
  for (const w of ab.workloads) {
    for (const p of w.pairs) {
      rows.push([
        w.workload,
        String(p.pair + 1),
        p.a?.ok === false ? 'failed' : fmtValue(p.a?.value, w.metric),
        p.b?.ok === false ? 'failed' : fmtValue(p.b?.value, w.metric),
        p.speedRatio === undefined ? '-' : p.speedRatio.toFixed(3),
        fmtMiB(p.a?.heapRssMean),
        fmtMiB(p.b?.heapRssMean),
        p.heapRssRatio === undefined ? '-' : p.heapRssRatio.toFixed(3),
        fmtMiB(p.a?.rssMean),
        fmtMiB(p.b?.rssMean),
        p.processRssRatio === undefined ? '-' : p.processRssRatio.toFixed(3),
        fmtRate(p.a?.releaseCallsPerSec),
        fmtRate(p.b?.releaseCallsPerSec),
      ]);
    }
  }
  return {
    title: 'A/B pairs (A ran first in each pair; each run its own process)',
    headers: ['workload', 'pair', 'A', 'B', 'speed B/A', 'heap RSS A MiB', 'heap RSS B MiB', 'heap RSS B/A', 'RSS A MiB', 'RSS B MiB', 'RSS B/A', 'rel/s A', 'rel/s B'],
    align: ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    rows,
  };
}
