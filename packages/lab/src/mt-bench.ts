/**
 * The multi-worker part of `hakozuna bench`: mt_remote, larson, mstress,
 * xmalloc-test and burst_idle (bench/workloads/mt/), run by runBench beside the
 * single-threaded workloads with the same child processes, RSS sampler and JSON.
 *
 * - A *run name* is the workload plus its thread count: `larson_t2`.
 * - Allocators: those that can be shared between workers (allocators.ts
 *   `multiWorker`); gc is skipped with a note, the native mallocs run only the
 *   workloads with a C version (larson, mstress); noop only where the
 *   blocks hold no data (mt_remote, larson). Without --allocators the suite adds
 *   each workload's extra hakozuna lanes (mstress: mem, s55-3b; burst_idle: s61,
 *   s55-3b, mem; larson: s55-3b).
 * - Parameters: each workload's full defaults, its quick overrides with --quick,
 *   its slow-peer overrides for thing, then --param KEY=V or WORKLOAD.KEY=V.
 * - Every run is a fresh child process; repetitions are interleaved. Each
 *   threads mode (--threads-mode: pooled, the default, and spawn) is a run name
 *   of its own: larson_t2, larson_t2_spawn.
 * - The summary rows are the single-threaded ones' (opsPerSec = the workload's
 *   metric) plus an `mt` part (mt-summary.ts); the targets (each threshold
 *   written out here) are checked in {@link mtTargets}.
 */
import { ALLOCATORS, parseAllocatorRef, type AllocatorRef } from './allocators.ts';
import type { Launch } from './launch.ts';
import { Progress, type ProgressItem } from './progress.ts';
import type { MtChildConfig, MtChildResult, MtParams, MtWorkloadSpec, ThreadStartStats, ThreadsMode } from '../bench/mt-protocol.ts';
import { computeRatios, recordFromResult, summarizeRuns, type AllocatorStatus, type BenchResults, type RatioRow, type RunRecord } from './results.ts';
import type { MtSummaryExtra, MtSummaryRow } from './mt-summary.ts';
import { runChildProcess } from './runner.ts';
import { median } from './stats-math.ts';
import { fmtHeapRss, fmtMiB, fmtMops, heapRssFootnotes, type Table } from './table.ts';
import { pooledVsSpawnTable, threadStartsTable } from './mt-threads-report.ts';
import { DEFAULT_MT_WORKLOADS, MT_ALIASES, MT_WORKLOADS } from '../bench/workloads/mt/index.ts';

export { DEFAULT_MT_WORKLOADS, MT_WORKLOADS };

/** Thread count the suite uses when neither the workload nor --threads says otherwise (2-core machines). */
export const DEFAULT_THREADS = 2;

/** Registry names for a command-line name: a workload, an alias (mt, mt_remote, xmalloc), or undefined. */
export function resolveMtName(name: string): readonly string[] | undefined {
  if (MT_WORKLOADS[name] !== undefined) return [name];
  return MT_ALIASES[name];
}

/** Run names: `larson_t2` (pooled threads, the default) and `larson_t2_spawn` (a new Worker per thread). */
const RUN_NAME = /_t\d+(_spawn)?$/;
export const isMtRunName = (name: string): boolean => RUN_NAME.test(name) && MT_WORKLOADS[name.replace(RUN_NAME, '')] !== undefined;

/** The run name of a workload with T threads in a threads mode. */
export const mtRunName = (spec: string, threads: number, mode: ThreadsMode): string => `${spec}_t${threads}${mode === 'spawn' ? '_spawn' : ''}`;

export interface MtPlanInput {
  /** Registry names (resolved). */
  readonly workloads: readonly string[];
  /** The bench's allocators (as given, or the defaults). */
  readonly refs: readonly AllocatorRef[];
  /** --allocators was given: run exactly those (no extra lanes). */
  readonly allocatorsGiven: boolean;
  /** Lane of plain `hakozuna`. */
  readonly lane: string;
  readonly quick: boolean;
  /** --threads: every workload runs with each of these. */
  readonly threads?: readonly number[];
  /** --param: KEY=V (every workload that has KEY) or WORKLOAD.KEY=V (mt_remote.KEY: all mt_remote_*). */
  readonly params?: Readonly<Record<string, number>>;
  /** --threads-mode: how a thread of the workload starts (default ['pooled']); each mode is a run of its own. */
  readonly threadsModes?: readonly ThreadsMode[];
}

export interface MtInstance {
  /** Run name, e.g. larson_t2. */
  readonly name: string;
  readonly spec: MtWorkloadSpec;
  readonly threads: number;
  readonly threadsMode: ThreadsMode;
  /** Parameters of the non-slow allocators (printed). */
  readonly params: MtParams;
  readonly runs: readonly { readonly ref: AllocatorRef; readonly params: MtParams }[];
  readonly skipped: readonly { readonly id: string; readonly note: string }[];
}

export interface MtPlan {
  readonly instances: readonly MtInstance[];
  /** Refs the multi-worker runs need beyond the bench's own (the extra lanes): to build. */
  readonly extraRefs: readonly AllocatorRef[];
  readonly notes: readonly string[];
}

function paramsFor(spec: MtWorkloadSpec, slow: boolean, input: MtPlanInput): MtParams {
  const out: Record<string, number> = { ...spec.params };
  if (slow && spec.slowParams) Object.assign(out, spec.slowParams);
  if (input.quick) Object.assign(out, spec.quickParams);
  for (const [k, v] of Object.entries(input.params ?? {})) {
    const dot = k.lastIndexOf('.');
    if (dot < 0) {
      if (k in spec.params) out[k] = v;
    } else {
      const w = k.slice(0, dot);
      const key = k.slice(dot + 1);
      if ((spec.name === w || spec.name.startsWith(w + '_')) && key in spec.params) out[key] = v;
    }
  }
  return out;
}

/** Check --param names against the workloads: a name no workload has is an error (a typo would silently do nothing). */
function checkParams(input: MtPlanInput): void {
  for (const k of Object.keys(input.params ?? {})) {
    const dot = k.lastIndexOf('.');
    const key = dot < 0 ? k : k.slice(dot + 1);
    const w = dot < 0 ? undefined : k.slice(0, dot);
    const ok = input.workloads.some((n) => {
      const s = MT_WORKLOADS[n]!;
      return (w === undefined || s.name === w || s.name.startsWith(w + '_')) && key in s.params;
    });
    if (!ok) throw new Error(`--param ${k}: no selected multi-worker workload has a parameter "${key}"${w ? ` (workload ${w})` : ''}`);
  }
}

export function planMt(input: MtPlanInput): MtPlan {
  checkParams(input);
  const modes = input.threadsModes !== undefined && input.threadsModes.length > 0 ? [...new Set(input.threadsModes)] : (['pooled'] as const);
  for (const m of modes) if (m !== 'pooled' && m !== 'spawn') throw new Error(`--threads-mode: "${m}" is not pooled or spawn`);
  const notes: string[] = [];
  const extra = new Map<string, AllocatorRef>();
  const known = new Set(input.refs.map((r) => r.id));
  for (const r of input.refs) {
    if (!r.info.multiWorker.supported) notes.push(`multi-worker workloads skip ${r.info.multiWorker.note}`);
  }
  const natives = input.refs.filter((r) => r.info.kind === 'native' && r.info.multiWorker.supported).map((r) => r.id);
  const ported = input.workloads.filter((n) => MT_WORKLOADS[n]!.nativePort !== undefined);
  if (natives.length > 0 && ported.length < input.workloads.length) {
    notes.push(
      `${natives.join(', ')} run only ${ported.length > 0 ? ported.join(' and ') : 'none'} of the multi-worker workloads: the others have no C version (bench/native/mt.c); C threads are pthreads, so the native rows stand under the first threads mode's run names (pooled by default)`,
    );
  }
  const instances: MtInstance[] = [];
  for (const name of input.workloads) {
    const spec = MT_WORKLOADS[name]!;
    const threadsList = input.threads && input.threads.length > 0 ? input.threads : input.quick ? [DEFAULT_THREADS] : spec.defaultThreads;
    let refs = [...input.refs];
    if (!input.allocatorsGiven && !input.quick) {
      for (const id of spec.extraAllocators) {
        if (known.has(id)) continue;
        const ref = extra.get(id) ?? parseAllocatorRef(id, input.lane);
        extra.set(id, ref);
        refs.push(ref);
      }
    }
    const skipped: { id: string; note: string }[] = [];
    refs = refs.filter((r) => {
      if (!r.info.multiWorker.supported) return false; // one note for the whole suite (above)
      if (r.info.kind === 'native' && spec.nativePort === undefined) return false; // one note for the whole suite (above)
      if (r.info.name === 'noop' && spec.noNoop !== undefined) {
        skipped.push({ id: r.id, note: `noop does not run ${spec.name}: ${spec.noNoop}` });
        return false;
      }
      if (!input.allocatorsGiven && spec.hakozunaOnly !== undefined && r.info.kind !== 'hakozuna' && r.info.name !== 'noop') {
        skipped.push({ id: r.id, note: `${r.id} skipped on ${spec.name} by default: ${spec.hakozunaOnly}` });
        return false;
      }
      if (!input.allocatorsGiven && spec.noSlowPeers !== undefined && r.info.slow === true) {
        skipped.push({ id: r.id, note: `${r.id} skipped on ${spec.name} by default: ${spec.noSlowPeers}` });
        return false;
      }
      return true;
    });
    for (const threads of threadsList) {
      if (!Number.isInteger(threads) || threads < 1 || threads > 32) throw new Error(`--threads: ${threads} is not a thread count in 1..32`);
      for (const threadsMode of modes) {
        instances.push({
          name: mtRunName(spec.name, threads, threadsMode),
          spec,
          threads,
          threadsMode,
          params: paramsFor(spec, false, input),
          // pthreads have no pooled or spawn form: the C runs go with the first mode's run names only.
          runs: refs
            .filter((ref) => ref.info.kind !== 'native' || threadsMode === modes[0])
            .map((ref) => ({ ref, params: paramsFor(spec, ref.info.slow === true, input) })),
          skipped,
        });
      }
    }
  }
  return { instances, extraRefs: [...extra.values()], notes };
}

export interface MtRunEnv {
  readonly launches: ReadonlyMap<string, Launch>;
  readonly statuses: readonly AllocatorStatus[];
  readonly repetitions: number;
  readonly sampleIntervalMs: number;
  readonly maxBytes: number;
  /** Per child; default 3 minutes (a hung allocator fails the run instead of the suite). */
  readonly timeoutMs?: number;
  readonly nodeArgs?: readonly string[];
  readonly progress: boolean;
}

/** A multi-worker run record: a RunRecord plus the child's `mt` part. */
export type MtRunRecord = RunRecord & { readonly threads?: number; readonly mt?: MtChildResult['mt'] };

export interface MtTarget {
  readonly id: string;
  readonly text: string;
  /** The measured figure (a ratio, or a relative change), undefined when it could not be measured. */
  readonly value?: number;
  readonly display: string;
  readonly required: string;
  /** undefined when the target is informational or could not be measured. */
  readonly met?: boolean;
  readonly note?: string;
}

export interface MtSuiteOutcome {
  readonly runs: MtRunRecord[];
  readonly summary: MtSummaryRow[];
  readonly ratios: RatioRow[];
  readonly notes: string[];
  readonly workloads: { name: string; description: string; params: Record<string, number | string>; metric: string; kind: 'workers'; spec: string; threads: number }[];
  readonly targets: MtTarget[];
}

export async function runMtSuite(plan: MtPlan, env: MtRunEnv): Promise<MtSuiteOutcome> {
  const notes: string[] = [...plan.notes];
  const statusOf = (id: string): AllocatorStatus | undefined => env.statuses.find((s) => s.id === id);
  // Runs that cannot start: a skipped build, or tlsf without its shared wasm.
  const cannot = (ref: AllocatorRef): string | undefined => {
    const l = env.launches.get(ref.id);
    if (l === undefined) return 'not built';
    if (l.kind === 'skip') return l.note;
    if (l.kind === 'exec') return l.mtFile === undefined ? (l.mtNote ?? 'bench/native/mt.c was not built') : undefined;
    if (ref.info.name === 'tlsf' && l.files.tlsfSharedWasm === undefined) {
      return 'tlsf: bench/peers/build/tlsf-shared.wasm could not be built (scripts/build-peers.mjs buildTlsfSharedPeer), so tlsf has no multi-worker form';
    }
    return undefined;
  };
  type Item = { inst: MtInstance; ref: AllocatorRef; params: MtParams; rep: number };
  const items: Item[] = [];
  for (let rep = 0; rep < env.repetitions; rep++) {
    for (const inst of plan.instances) for (const r of inst.runs) if (cannot(r.ref) === undefined) items.push({ inst, ref: r.ref, params: r.params, rep });
  }
  const reported = new Set<string>();
  for (const inst of plan.instances) {
    for (const r of inst.runs) {
      const why = cannot(r.ref);
      if (why !== undefined && !reported.has(r.ref.id)) {
        reported.add(r.ref.id);
        notes.push(`multi-worker workloads skip ${r.ref.id}: ${why}`);
      }
    }
    for (const s of inst.skipped) if (!reported.has(`${s.id}/${inst.spec.name}`)) {
      reported.add(`${s.id}/${inst.spec.name}`);
      notes.push(s.note);
    }
  }
  const pItems: ProgressItem[] = items.map((it) => ({ key: `${it.inst.name}/${it.ref.id}`, group: it.inst.spec.name, label: '' }));
  const progress = new Progress(pItems, env.progress);
  const wWidth = Math.max(0, ...plan.instances.map((i) => i.name.length));
  const aWidth = Math.max(0, ...items.map((i) => i.ref.id.length));
  const runs: MtRunRecord[] = [];
  for (let i = 0; i < items.length; i++) {
    const { inst, ref, params, rep } = items[i]!;
    const launch = env.launches.get(ref.id) as Exclude<Launch, { kind: 'skip' }>;
    const cfg: MtChildConfig = {
      workload: inst.name,
      allocator: ref.id,
      iterations: params.iterations ?? 0,
      warmupIterations: 0,
      sampleIntervalMs: env.sampleIntervalMs,
      maxBytes: env.maxBytes,
      files: launch.kind === 'node' ? launch.files : {},
      mt: { spec: inst.spec.name, threads: inst.threads, params, threadsMode: inst.threadsMode },
    };
    const outcome = await runChildProcess(launch, cfg, { timeoutMs: env.timeoutMs ?? 180_000, ...(env.nodeArgs ? { nodeArgs: env.nodeArgs } : {}) });
    const base = { workload: inst.name, allocator: ref.id, rep, iterations: cfg.iterations, warmupIterations: 0, wallMs: outcome.wallMs };
    let line: string;
    if (outcome.ok && outcome.result !== undefined) {
      const res = outcome.result as MtChildResult;
      const rec: MtRunRecord = { ...recordFromResult(base, res, outcome), threads: inst.threads, mt: res.mt };
      runs.push(rec);
      line = `${fmtRate(res.opsPerSec).padStart(8)} ${inst.spec.metric}`;
      const hc = res.mt?.heapCheck;
      if (hc !== undefined && !hc.ok) {
        const msg =
          `ALLOCATOR CHECK FAILED: ${inst.name} x ${ref.id} rep ${rep + 1}: heap.check() found ${hc.problems.length} problem(s)` +
          (hc.problems.length > 0 ? ` (${hc.problems.slice(0, 3).join('; ')})` : '') +
          (hc.freedEverything && hc.bytesInUseAfter !== hc.bytesInUseBefore ? `; bytesInUse ${hc.bytesInUseBefore} before, ${hc.bytesInUseAfter} after freeing everything` : '');
        notes.push(msg);
        line += '  ' + msg;
      }
    } else {
      runs.push({ ...base, ok: false, error: outcome.error ?? 'failed', stdout: outcome.stdout, stderr: outcome.stderr, threads: inst.threads });
      line = `FAILED: ${outcome.error}`;
      notes.push(`${inst.name} x ${ref.id} rep ${rep + 1}: ${outcome.error}`);
    }
    progress.finished({ ...pItems[i]!, label: `${inst.name.padEnd(wWidth)}  ${ref.id.padEnd(aWidth)}  rep ${rep + 1}/${env.repetitions}` }, outcome.wallMs, line);
  }

  // Summaries, per run name, over the allocators that ran it (the others are rows marked skipped).
  const summary: MtSummaryRow[] = [];
  for (const inst of plan.instances) {
    const sts: AllocatorStatus[] = [];
    for (const r of inst.runs) {
      const why = cannot(r.ref);
      const st = statusOf(r.ref.id);
      sts.push(why !== undefined ? { id: r.ref.id, description: r.ref.info.description, status: 'skipped', note: why } : (st ?? { id: r.ref.id, description: r.ref.info.description, status: 'ok' }));
    }
    for (const s of inst.skipped) sts.push({ id: s.id, description: ALLOCATORS[s.id.split('@')[0]!]?.description ?? s.id, status: 'skipped', note: s.note });
    const mine = runs.filter((r) => r.workload === inst.name);
    const iters = (id: string): number => inst.runs.find((r) => r.ref.id === id)?.params.iterations ?? 0;
    for (const row of summarizeRuns(mine, [inst.name], sts, iters)) {
      const ok = mine.filter((r) => r.allocator === row.allocator && r.ok && r.mt !== undefined);
      if (ok.length === 0) {
        summary.push({ ...row, threads: inst.threads });
        continue;
      }
      summary.push({ ...row, threads: inst.threads, mt: summarizeMt(inst, ok) });
    }
  }
  const hz = (id: string): boolean => ALLOCATORS[id.split('@')[0]!]?.kind === 'hakozuna';
  const ratios = computeRatios(summary, hz);
  const workloads = plan.instances.map((inst) => ({
    name: inst.name,
    description: inst.spec.description,
    params: { ...inst.params, threads: inst.threads, threadsMode: inst.threadsMode, ...slowNote(inst) },
    metric: inst.spec.metric,
    kind: 'workers' as const,
    spec: inst.spec.name,
    threads: inst.threads,
  }));
  return { runs, summary, ratios, notes, workloads, targets: mtTargets(summary, plan) };
}

function slowNote(inst: MtInstance): Record<string, string> {
  const slow = inst.runs.filter((r) => r.ref.info.slow === true);
  if (slow.length === 0) return {};
  const diff = Object.entries(slow[0]!.params).filter(([k, v]) => inst.params[k] !== v);
  if (diff.length === 0) return {};
  return { slowPeers: `${slow.map((r) => r.ref.id).join(',')}: ${diff.map(([k, v]) => `${k}=${v}`).join(' ')}` };
}

function summarizeMt(inst: MtInstance, ok: readonly MtRunRecord[]): MtSummaryExtra {
  const metrics: Record<string, number> = {};
  const keys = new Set<string>();
  for (const r of ok) for (const k of Object.keys(r.mt!.metrics)) keys.add(k);
  for (const k of keys) {
    const v = ok.map((r) => r.mt!.metrics[k]).filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
    if (v.length > 0) metrics[k] = median(v);
  }
  const above = ok
    .map((r) => (r.rss?.timed?.mean !== undefined && r.mt!.rssBase !== undefined ? r.rss.timed.mean - r.mt!.rssBase : undefined))
    .filter((x): x is number => x !== undefined);
  if (above.length > 0) metrics.rssAboveBaseMean = median(above);
  // The allocator's own resident bytes at the end of the measured window (before the workload's final frees).
  const resEnd = ok.map((r) => r.mt!.statsAtEnd?.residentBytes).filter((x): x is number => x !== undefined);
  if (resEnd.length > 0) metrics.residentAtEnd = median(resEnd);
  const rel = ok.map((r) => r.mt!.releaseCallsPerSec).filter((x): x is number => x !== undefined);
  const series: Record<string, number[]> = {};
  const sKeys = new Set<string>();
  for (const r of ok) for (const k of Object.keys(r.mt!.series ?? {})) sKeys.add(k);
  for (const k of sKeys) {
    const lists = ok.map((r) => r.mt!.series?.[k]).filter((x): x is readonly number[] => x !== undefined);
    const len = Math.min(...lists.map((l) => l.length));
    series[k] = Array.from({ length: len }, (_, i) => median(lists.map((l) => l[i]!)));
  }
  const checks = ok.map((r) => r.mt!.heapCheck).filter((x) => x !== undefined);
  const lines = ok.find((r) => (r.mt!.boxLines?.length ?? 0) > 0)?.mt!.boxLines;
  const starts = medianFields(ok.map((r) => r.mt!.threadStarts).filter((x): x is ThreadStartStats => x !== undefined));
  return {
    spec: inst.spec.name,
    threads: inst.threads,
    metric: inst.spec.metric,
    params: ok[0]!.mt!.params,
    sharing: ok[0]!.mt!.sharing,
    metrics,
    ...(rel.length > 0 ? { releaseCallsPerSec: median(rel) } : {}),
    ...(sKeys.size > 0 ? { series } : {}),
    ...(checks.length > 0 ? { heapCheckOk: checks.every((c) => c!.ok) } : {}),
    ...(lines !== undefined ? { boxLines: lines } : {}),
    threadsMode: inst.threadsMode,
    ...(starts !== undefined ? { threadStarts: starts } : {}),
  };
}

/** Per numeric field, the median over the records that have it. */
function medianFields(list: readonly object[]): Record<string, number> | undefined {
  if (list.length === 0) return undefined;
  const out: Record<string, number> = {};
  const keys = new Set(list.flatMap((x) => Object.keys(x)));
  for (const k of keys) {
    const v = list.map((x) => (x as Record<string, unknown>)[k]).filter((y): y is number => typeof y === 'number' && Number.isFinite(y));
    if (v.length > 0) out[k] = median(v);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Targets: the thresholds of the multi-worker table, each written out below.

const rowOf = (summary: readonly MtSummaryRow[], workload: string, allocator: string): MtSummaryRow | undefined =>
  summary.find((s) => s.workload === workload && s.allocator === allocator && s.opsPerSec !== undefined);

function pct(x: number): string {
  return `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

/** The plain hakozuna of the suite: `hakozuna` (the bench's --lane). */
function baseHz(plan: MtPlan): string | undefined {
  for (const inst of plan.instances) for (const r of inst.runs) if (r.ref.info.kind === 'hakozuna' && r.ref.id === 'hakozuna') return r.ref.id;
  for (const inst of plan.instances) for (const r of inst.runs) if (r.ref.info.kind === 'hakozuna' && r.ref.flags === undefined) return r.ref.id;
  return undefined;
}

/** The hakozuna variant with `flag` on, among the suite's allocators. */
function variantWith(plan: MtPlan, pred: (ref: AllocatorRef) => boolean): string | undefined {
  for (const inst of plan.instances) for (const r of inst.runs) if (r.ref.info.kind === 'hakozuna' && pred(r.ref)) return r.ref.id;
  return undefined;
}

export function mtTargets(summary: readonly MtSummaryRow[], plan: MtPlan): MtTarget[] {
  const hz = baseHz(plan);
  if (hz === undefined) return [];
  // The targets per threads mode that ran (pooled run names are plain, spawn ones end in _spawn); the lanes once.
  const modes = [...new Set(plan.instances.map((i) => i.threadsMode))];
  const out: MtTarget[] = [];
  for (const mode of modes) {
    const sfx = mode === 'spawn' ? '_spawn' : '';
    const ofMode = summary.filter((s) => (mode === 'spawn') === s.workload.endsWith('_spawn')).map((s) => (sfx === '' ? s : { ...s, workload: s.workload.slice(0, -sfx.length) }));
    for (const t of modeTargets(ofMode, plan, hz)) {
      out.push(mode === 'spawn' ? { ...t, id: `${t.id}-spawn`, text: `${t.text} [spawn: a new Worker per thread]` } : t);
    }
  }
  out.push(...laneTargets(summary, plan, hz));
  return out;
}

/** The targets on the runs of one threads mode (run names without the mode's suffix). */
function modeTargets(summary: readonly MtSummaryRow[], plan: MtPlan, hz: string): MtTarget[] {
  const out: MtTarget[] = [];
  const ran = (w: string): boolean => summary.some((s) => s.workload === w);
  const ratioTarget = (id: string, text: string, num: MtSummaryRow | undefined, den: MtSummaryRow | undefined, min: number, what: string): void => {
    if (!ran(num?.workload ?? '') && !ran(den?.workload ?? '') && id.startsWith('larson') && !ran('larson_t2') && !ran('larson_t1')) return;
    if (id.startsWith('mt-remote') && num === undefined && den === undefined) return;
    if (num === undefined || den === undefined) {
      out.push({ id, text, display: '-', required: `>= ${min}`, note: `not measured (${what} missing from this run)` });
      return;
    }
    const v = num.opsPerSec!.median / den.opsPerSec!.median;
    // Near the threshold, one more digit, so that "1.70x NOT MET" cannot happen.
    const shown = Math.abs(v - min) < 0.01 ? v.toFixed(3) : v >= 100 ? v.toFixed(0) : v.toFixed(2);
    out.push({ id, text, value: v, display: `${shown}x`, required: `>= ${min}x`, met: v >= min });
  };
  // larson: 2 workers vs 1.
  ratioTarget('larson-scaling', `larson: ${hz} allocations/s with 2 workers / with 1 worker`, rowOf(summary, 'larson_t2', hz), rowOf(summary, 'larson_t1', hz), 1.7, 'larson_t1 or larson_t2');
  // larson vs the locked peers.
  ratioTarget('larson-vs-thing', `larson, 2 workers: ${hz} / thing (one lock around @thi.ng/malloc)`, rowOf(summary, 'larson_t2', hz), rowOf(summary, 'larson_t2', 'thing'), 10, 'thing on larson_t2');
  const tl = rowOf(summary, 'larson_t2', 'tlsf');
  if (tl !== undefined) ratioTarget('larson-vs-tlsf', `larson, 2 workers: ${hz} / tlsf (one lock around TLSF)`, rowOf(summary, 'larson_t2', hz), tl, 10, 'tlsf on larson_t2');
  // mt_remote: 50% remote vs 0%.
  for (const range of ['small', 'mixed']) {
    for (const t of [...new Set(summary.filter((s) => s.workload.startsWith(`mt_remote_${range}_r50_t`)).map((s) => s.threads))]) {
      const r50 = rowOf(summary, `mt_remote_${range}_r50_t${t}`, hz);
      const r0 = rowOf(summary, `mt_remote_${range}_r0_t${t}`, hz);
      if (range === 'small') ratioTarget(`mt-remote-${range}-t${t}`, `mt_remote 16-2048, ${t} workers: ${hz} ops/s at 50% remote / at 0%`, r50, r0, 0.5, 'the r0 or r50 run');
      else if (r50 && r0) {
        const v = r50.opsPerSec!.median / r0.opsPerSec!.median;
        out.push({ id: `mt-remote-${range}-t${t}`, text: `mt_remote 16-32768, ${t} workers: ${hz} ops/s at 50% remote / at 0% (no target; for reading)`, value: v, display: `${v.toFixed(2)}x`, required: '-' });
      }
    }
  }
  // burst_idle: S61 vs the default lane, RSS at the end of the idle windows (both survivor patterns).
  const s61 = variantWith(plan, (r) => r.flags?.HZ3_S61_THREAD_EXIT_PURGE === 1);
  for (const spec of ['burst_idle', 'burst_idle_tail']) {
    for (const t of [...new Set(summary.filter((s) => s.workload.startsWith(`${spec}_t`)).map((s) => s.threads))]) {
      const w = `${spec}_t${t}`;
      const a = rowOf(summary, w, hz);
      const b = s61 !== undefined ? rowOf(summary, w, s61) : undefined;
      if (s61 === undefined) continue;
      const what = `${w}: ${s61} / ${hz}, mean process RSS at the end of the idle windows`;
      const am = a?.mt?.metrics;
      const bm = b?.mt?.metrics;
      if (am?.idleRssMean === undefined || bm?.idleRssMean === undefined) {
        out.push({ id: `burst-idle-s61-${w}`, text: what, display: '-', required: '<= 0.30x', note: `not measured (${hz} or ${s61} missing on ${w})` });
        continue;
      }
      const v = bm.idleRssMean / am.idleRssMean;
      const extra: string[] = [];
      if (am.idleRssAboveBaseMean !== undefined && bm.idleRssAboveBaseMean !== undefined && am.idleRssAboveBaseMean > 0) {
        extra.push(`above the RSS before the first burst: ${(bm.idleRssAboveBaseMean / am.idleRssAboveBaseMean).toFixed(2)}x (${fmtMiB(bm.idleRssAboveBaseMean)} / ${fmtMiB(am.idleRssAboveBaseMean)} MiB)`);
      }
      if (am.idleResidentMean !== undefined && bm.idleResidentMean !== undefined && am.idleResidentMean > 0) {
        extra.push(`heap residentBytes: ${(bm.idleResidentMean / am.idleResidentMean).toFixed(2)}x (${fmtMiB(bm.idleResidentMean)} / ${fmtMiB(am.idleResidentMean)} MiB)`);
      }
      out.push({
        id: `burst-idle-s61-${w}`,
        text: what,
        value: v,
        display: `${v.toFixed(2)}x (${fmtMiB(bm.idleRssMean)} / ${fmtMiB(am.idleRssMean)} MiB)`,
        required: '<= 0.30x',
        met: v <= 0.3,
        ...(extra.length > 0 ? { note: extra.join('; ') } : {}),
      });
    }
  }
  return out;
}

/** Lanes vs the default lane on every run (both modes). */
function laneTargets(summary: readonly MtSummaryRow[], plan: MtPlan, hz: string): MtTarget[] {
  const out: MtTarget[] = [];
  const s61 = variantWith(plan, (r) => r.flags?.HZ3_S61_THREAD_EXIT_PURGE === 1);
  // Lanes vs the default lane: mean RSS and speed (the seed's GO gate for a default: RSS -10% or better, speed within -2%).
  const lanes: [string, string | undefined][] = [
    ['mem (S55-3)', variantWith(plan, (r) => r.lane === 'mem' && r.flags === undefined)],
    ['S55-3B', variantWith(plan, (r) => r.flags?.HZ3_S55_3B_DELAYED_SUBRELEASE === 1)],
    ['S61', s61],
  ];
  for (const [label, id] of lanes) {
    if (id === undefined) continue;
    for (const w of [...new Set(summary.filter((s) => s.allocator === id).map((s) => s.workload))]) {
      const a = rowOf(summary, w, hz);
      const b = rowOf(summary, w, id);
      if (a?.rss === undefined || b?.rss === undefined) continue;
      // Gated on heap RSS where both have it (as hakozuna ab is), process RSS beside it.
      const ha = a.heapRss?.mean;
      const hb = b.heapRss?.mean;
      const heap = ha !== undefined && hb !== undefined && Number.isFinite(ha) && Number.isFinite(hb) && ha > 0 ? hb / ha - 1 : undefined;
      const dproc = b.rss.mean / a.rss.mean - 1;
      const drss = heap ?? dproc;
      const dspeed = b.opsPerSec!.median / a.opsPerSec!.median - 1;
      const go = drss <= -0.1 && dspeed >= -0.02;
      const aa = a.mt?.metrics.rssAboveBaseMean;
      const ba = b.mt?.metrics.rssAboveBaseMean;
      const above = aa !== undefined && ba !== undefined && aa > 0 ? `; mean RSS above the pre-workload process: ${pct(ba / aa - 1)} (${fmtMiB(ba)} vs ${fmtMiB(aa)} MiB)` : '';
      const rel = b.mt?.releaseCallsPerSec !== undefined ? `; ${b.mt.releaseCallsPerSec.toFixed(0)} release calls/s` : '';
      out.push({
        id: `lane-${id}-${w}`,
        text: `${w}: ${id} (${label}) vs ${hz}`,
        value: drss,
        display: heap !== undefined ? `heap RSS ${pct(heap)} (process RSS ${pct(dproc)}), speed ${pct(dspeed)}` : `RSS ${pct(drss)}, speed ${pct(dspeed)}`,
        required: `GO as a default: ${heap !== undefined ? 'heap ' : ''}RSS <= -10%, speed >= -2%`,
        met: go,
        note: (go ? 'GO' : 'NO-GO') + above + rel,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Tables.

function fmtRate(x: number): string {
  return x >= 1e5 ? fmtMops(x) + 'M' : x >= 1e3 ? (x / 1e3).toFixed(1) + 'k' : x.toFixed(1);
}

export const mtRows = (results: BenchResults): MtSummaryRow[] => (results.summary as MtSummaryRow[]).filter((s) => isMtRunName(s.workload));

export function mtThroughputTable(results: BenchResults): Table | undefined {
  const rows = mtRows(results);
  if (rows.length === 0) return undefined;
  return {
    title: 'Multi-worker workloads (median of the repetitions; RSS in MiB over the measured window, sampled in the process that owns the heap)',
    headers: ['workload', 'T', 'allocator', 'metric', 'median', 'min-max', 'x noop', 'RSS mean', 'RSS p95', 'RSS max', 'maxRSS', 'heap RSS mean', 'heap RSS max', 'heap resident', 'after free', 'release calls/s', 'check'],
    align: ['l', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    rows: rows.map((s) => {
      const T = String(s.threads ?? '');
      if (s.skipped !== undefined) return [s.workload, T, s.allocator, '', 'skipped', '', '', '', '', '', '', '', '', '', '', '', ''];
      if (s.opsPerSec === undefined) return [s.workload, T, s.allocator, '', `failed (${s.failedRuns})`, '', '', '', '', '', '', '', '', '', '', '', ''];
      const o = s.opsPerSec;
      const resident = s.allocatorStats?.residentBytes;
      return [
        s.workload,
        T,
        s.allocator,
        s.mt?.metric ?? 'ops/s',
        fmtRate(o.median),
        `${fmtRate(o.min)}-${fmtRate(o.max)}`,
        s.fractionOfFloor === undefined ? '-' : s.fractionOfFloor.toFixed(2),
        fmtMiB(s.rss?.mean),
        fmtMiB(s.rss?.p95),
        fmtMiB(s.rss?.max),
        fmtMiB(s.maxRssBytes),
        fmtHeapRss(s, 'mean'),
        fmtHeapRss(s, 'max'),
        s.mt?.metrics.residentAtEnd === undefined ? '-' : fmtMiB(s.mt.metrics.residentAtEnd),
        resident === undefined ? '-' : fmtMiB(resident),
        s.mt?.releaseCallsPerSec === undefined ? '-' : s.mt.releaseCallsPerSec.toFixed(1),
        s.mt?.heapCheckOk === undefined ? '-' : s.mt.heapCheckOk ? 'ok' : 'FAILED',
      ];
    }),
    footnotes: [
      "median/min-max: the workload's metric (M = millions per second). Run names: _tT = T threads, pooled (a thread = attachHeap..detach in a started worker); _spawn = a new Worker per thread.",
      ...heapRssFootnotes(rows),
      'heap resident = hakozuna stats().residentBytes at the end of the measured window,',
      'after free = the same once the workload freed everything (the allocator keeps what it has not released);',
      'release calls/s = stats().releaseCallsTotal over the measured window; check = heap.check() clean and bytesInUse back to its start value.',
    ],
  };
}

/** Per-workload details: mstress wall time, larson churn, xmalloc, burst_idle idle RSS. */
export function mtDetailTables(results: BenchResults): Table[] {
  const rows = mtRows(results).filter((s) => s.mt !== undefined);
  const out: Table[] = [];
  const by = (spec: string): MtSummaryRow[] => rows.filter((s) => s.mt!.spec === spec);
  const ms = by('mstress');
  if (ms.length > 0) {
    out.push({
      title: 'mstress: wall time (sum of the rounds) and RSS',
      headers: ['workload', 'allocator', 'wall s', 'allocations', 'allocations/s', 'RSS mean', 'RSS max', 'maxRSS'],
      align: ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
      rows: ms.map((s) => [s.workload, s.allocator, ((s.mt!.metrics.wallMs ?? NaN) / 1000).toFixed(3), String(s.mt!.metrics.allocations ?? '-'), fmtRate(s.opsPerSec!.median), fmtMiB(s.rss?.mean), fmtMiB(s.rss?.max), fmtMiB(s.maxRssBytes)]),
    });
  }
  const la = by('larson');
  if (la.length > 0) {
    out.push({
      title: 'larson: allocations and frees per second, thread churn',
      headers: ['workload', 'allocator', 'allocations/s', 'frees/s', 'workers started', 'slice idle (churn)'],
      align: ['l', 'l', 'r', 'r', 'r', 'r'],
      rows: la.map((s) => [
        s.workload,
        s.allocator,
        fmtRate(s.opsPerSec!.median),
        fmtRate(s.mt!.metrics.freesPerSec ?? NaN),
        String(s.mt!.metrics.threadsStarted ?? '-'),
        s.mt!.metrics.churnIdleFraction === undefined ? '-' : `${(s.mt!.metrics.churnIdleFraction * 100).toFixed(1)}%`,
      ]),
    });
  }
  const bi = rows.filter((s) => s.mt!.spec.startsWith('burst_idle'));
  if (bi.length > 0) {
    const cycles = Math.max(0, ...bi.map((s) => s.mt!.series?.idleRss?.length ?? 0));
    out.push({
      title:
        "burst_idle: process RSS at the end of each idle window (MiB), their mean, the mean above the RSS before the first burst, and the heap's own resident bytes",
      headers: [
        'workload',
        'allocator',
        'burst ops/s',
        ...Array.from({ length: cycles }, (_, i) => `idle ${i + 1}`),
        'idle mean',
        'above base',
        'heap resident idle mean',
        'release calls/s',
      ],
      align: ['l', 'l', 'r', ...Array.from({ length: cycles }, (): 'r' => 'r'), 'r', 'r', 'r', 'r'],
      rows: bi.map((s) => [
        s.workload,
        s.allocator,
        fmtRate(s.opsPerSec!.median),
        ...Array.from({ length: cycles }, (_, i) => fmtMiB(s.mt!.series?.idleRss?.[i])),
        fmtMiB(s.mt!.metrics.idleRssMean),
        fmtMiB(s.mt!.metrics.idleRssAboveBaseMean),
        fmtMiB(s.mt!.metrics.idleResidentMean),
        s.mt!.releaseCallsPerSec === undefined ? '-' : s.mt!.releaseCallsPerSec.toFixed(1),
      ]),
    });
  }
  return out;
}

export function mtTargetsTable(targets: readonly MtTarget[]): Table | undefined {
  if (targets.length === 0) return undefined;
  return {
    title: 'Multi-worker targets (required: the thresholds in mtTargets, packages/lab/src/mt-bench.ts)',
    headers: ['target', 'measured', 'required', 'status'],
    align: ['l', 'r', 'l', 'l'],
    rows: targets.map((t) => [
      t.text,
      t.display,
      t.required,
      t.met === undefined && t.value === undefined ? (t.note ?? 'not measured') : (t.met === undefined ? 'info' : t.met ? 'met' : 'NOT MET') + (t.note ? ` (${t.note})` : ''),
    ]),
  };
}

/** The one-shot box lines of each hakozuna variant and workload (first successful run). */
export function mtBoxLines(results: BenchResults): string {
  const rows = mtRows(results).filter((s) => (s.mt?.boxLines?.length ?? 0) > 0);
  if (rows.length === 0) return '';
  const lines = ['One-shot box lines (heap.report(), first run of each):'];
  for (const s of rows) {
    lines.push(`  ${s.workload} x ${s.allocator}:`);
    for (const l of s.mt!.boxLines!) lines.push(`    ${l}`);
  }
  return lines.join('\n');
}

export function mtReport(results: BenchResults, render: (t: Table) => string): string {
  const parts: string[] = [];
  const t = mtThroughputTable(results);
  if (t === undefined) return '';
  parts.push(render(t));
  for (const d of mtDetailTables(results)) parts.push(render(d));
  const ts = threadStartsTable(mtRows(results));
  if (ts) parts.push(render(ts));
  const pv = pooledVsSpawnTable(mtRows(results));
  if (pv) parts.push(render(pv));
  const targets = (results as BenchResults & { mtTargets?: MtTarget[] }).mtTargets;
  const tt = mtTargetsTable(targets ?? []);
  if (tt) parts.push(render(tt));
  const box = mtBoxLines(results);
  if (box !== '') parts.push(box);
  return parts.join('\n\n') + '\n';
}

/** The parameters of the multi-worker runs, one line each (printed above the tables). */
export function mtParamsLines(results: BenchResults): string[] {
  return results.workloads
    .filter((w) => isMtRunName(w.name))
    .map((w) => `  ${w.name}: ${Object.entries(w.params).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}
