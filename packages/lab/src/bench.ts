/**
 * `runBench(options)`: the single-threaded benchmark suite.
 *
 * 1. Build one child bundle per allocator (packages/lab/src/build.ts); peers that cannot
 *    be built are skipped with a note.
 * 2. Run every (workload, allocator) `repetitions` times, each in a fresh child
 *    process (warm-up, then the timed run; RSS sampled every 50 ms), interleaved:
 *    repetition 0 of every pair, then repetition 1, ... so drift hits all alike.
 * 3. Summarise (medians, min-max, ns/op above the noop floor, RSS, ratios), write
 *    `<outDir>/results.json` (+ report.txt, report.md) and print the tables.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { ALLOCATORS, DEFAULT_ALLOCATORS, parseAllocatorRef, type AllocatorRef } from './allocators.ts';
import { prepareLaunch } from './build.ts';
import type { Launch } from './launch.ts';
import { Progress, type ProgressItem } from './progress.ts';
import type { ChildConfig } from '../bench/protocol.ts';
import type { ThreadsMode } from '../bench/mt-protocol.ts';
import {
  computeRatios,
  recordFromResult,
  RESULTS_SCHEMA,
  summarizeRuns,
  type AllocatorStatus,
  type BenchResults,
  type RunRecord,
} from './results.ts';
import { defaultBuildDir, insideNodeModules, labRoot, libraryRoot, workDir } from './root.ts';
import { runChildProcess } from './runner.ts';
import { benchReport, fmtMops, renderMarkdown, renderText, type Table } from './table.ts';
import { writeHtmlReport } from './report-html.ts';
import { DEFAULT_WORKLOADS, WORKLOADS } from '../bench/workloads/index.ts';
import { DEFAULT_MT_WORKLOADS, MT_WORKLOADS, isMtRunName, mtReport, planMt, resolveMtName, runMtSuite, type MtPlan, type MtSuiteOutcome, type MtTarget } from './mt-bench.ts';

export interface BenchOptions {
  /** Workload names (or aliases small, medium, mixed, dist). Default: all single-threaded ones. */
  readonly workloads?: readonly string[];
  /** Allocator ids; `hakozuna@<lane>` picks a lane. Default: noop, hakozuna, tlsf, thing, gc, glibc. */
  readonly allocators?: readonly string[];
  /**
   * Timed iterations per run. Default 20M, the reference count (at 5M a timed run
   * lasts 50-150 ms and repetitions spread by up to 30% on a 2-core VM; at 20M by ~5%).
   * Quick: 200k.
   */
  readonly iterations?: number;
  /** Timed iterations for the slow peers (thing, gc). Default min(iterations, 1M); quick: 50k. */
  readonly slowIterations?: number;
  /** Warm-up iterations before the timed run. Default: a tenth of the run's, at least 50k (never more than the run). */
  readonly warmupIterations?: number;
  /** Child processes per (workload, allocator). Default 3; quick: 1. */
  readonly repetitions?: number;
  /** Where results.json goes. Default ./bench/out/<timestamp>/ (under the current directory). */
  readonly outDir?: string;
  /** Lane of plain `hakozuna`. Default 'scale'. */
  readonly lane?: string;
  /** Preset a custom lane name starts from. */
  readonly laneBase?: string;
  /** NAME=VALUE flag overrides for hakozuna lanes. */
  readonly laneFlags?: Readonly<Record<string, number>>;
  /** A short smoke run: 200k iterations (50k for slow peers), 1 repetition. */
  readonly quick?: boolean;
  readonly sampleIntervalMs?: number;
  /** Arena size passed to the allocators that reserve one. Default 1 GiB. */
  readonly maxBytes?: number;
  /** Where child bundles are built. Default <package>/dist/bench. */
  readonly buildDir?: string;
  /** Per child process. Default 10 minutes. */
  readonly timeoutMs?: number;
  /** Extra node flags for JS children (e.g. --max-semi-space-size). */
  readonly nodeArgs?: readonly string[];
  /** One progress line per run on stderr. Default: when stderr is a TTY. */
  readonly progress?: boolean;
  /** Print the tables: to stdout (true, default), to a stream, or not (false). */
  readonly print?: boolean | NodeJS.WritableStream;
  /** Recorded in results.json (the CLI passes its command line). */
  readonly command?: string;
  /**
   * Per allocator id, how to build that hakozuna variant, overriding lane, laneFlags,
   * laneBase and buildDir (hakozuna ab: each side its own lane, flags and build dir,
   * so two variants of one lane name do not overwrite each other's bundle).
   */
  readonly builds?: Readonly<Record<string, AllocatorBuild>>;
  /** Write report.html beside results.json (default true). */
  readonly html?: boolean;
  /** Multi-worker workloads: thread counts (default: each workload's, 2; larson 1 and 2). */
  readonly threads?: readonly number[];
  /** Multi-worker workloads: parameter overrides, KEY=V or WORKLOAD.KEY=V (packages/lab/src/mt-bench.ts). */
  readonly params?: Readonly<Record<string, number>>;
  /**
   * Multi-worker workloads: how a thread of the workload starts, one run per mode
   * (default ['pooled']: attachHeap in a pooled worker; 'spawn': a new Worker per thread).
   */
  readonly threadsModes?: readonly ThreadsMode[];
}

export interface AllocatorBuild {
  readonly lane?: string;
  readonly laneFlags?: Readonly<Record<string, number>>;
  readonly laneBase?: string;
  readonly buildDir?: string;
}

export interface BenchOutcome {
  readonly results: BenchResults;
  readonly outFile: string;
  readonly report: string;
}

const WORKLOAD_ALIASES: Readonly<Record<string, string>> = {
  small: 'random_mixed_small',
  medium: 'random_mixed_medium',
  mixed: 'random_mixed_mixed',
  dist: 'dist_app',
};

export function resolveWorkloads(names: readonly string[] | undefined): string[] {
  // The default suite: the single-threaded workloads, then the multi-worker ones (bench/workloads/mt/).
  if (names === undefined || names.length === 0) return [...DEFAULT_WORKLOADS, ...DEFAULT_MT_WORKLOADS];
  const out: string[] = [];
  for (const n of names) {
    const name = WORKLOAD_ALIASES[n] ?? n;
    const list = WORKLOADS[name] !== undefined ? [name] : resolveMtName(name);
    if (list === undefined) {
      throw new Error(
        `unknown workload "${n}"; known: ${[...Object.keys(WORKLOADS), ...Object.keys(MT_WORKLOADS)].join(', ')} ` +
          `(aliases ${Object.keys(WORKLOAD_ALIASES).join(', ')}, mt, mt_remote, xmalloc)`,
      );
    }
    for (const w of list) if (!out.includes(w)) out.push(w);
  }
  return out;
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x <= 0) throw new Error(`${name} must be a positive integer (got ${v})`);
  return x;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
}

export async function runBench(options: BenchOptions = {}): Promise<BenchOutcome> {
  const root = labRoot();
  const quick = options.quick === true;
  const lane = options.lane ?? 'scale';
  const workloads = resolveWorkloads(options.workloads);
  const refs: AllocatorRef[] = (options.allocators && options.allocators.length > 0 ? options.allocators : DEFAULT_ALLOCATORS).map((id) =>
    withBuild(parseAllocatorRef(id, lane), options.builds?.[id]),
  );
  const ids = new Set<string>();
  for (const r of refs) {
    if (ids.has(r.id)) throw new Error(`allocator ${r.id} is listed twice`);
    ids.add(r.id);
  }
  const iterations = positiveInt('iterations', options.iterations, quick ? 200_000 : 20_000_000);
  const slowIterations = positiveInt('slowIterations', options.slowIterations, Math.min(iterations, quick ? 50_000 : 1_000_000));
  const repetitions = positiveInt('repetitions', options.repetitions, quick ? 1 : 3);
  const sampleIntervalMs = positiveInt('sampleIntervalMs', options.sampleIntervalMs, 50);
  const maxBytes = positiveInt('maxBytes', options.maxBytes, 1 << 30);
  const timeoutMs = positiveInt('timeoutMs', options.timeoutMs, 10 * 60_000);
  // Multi-worker workloads run after the single-threaded ones, with their own plan (packages/lab/src/mt-bench.ts).
  const singleWorkloads = workloads.filter((w) => WORKLOADS[w] !== undefined);
  const mtWorkloads = workloads.filter((w) => MT_WORKLOADS[w] !== undefined);
  const mtPlan: MtPlan | undefined =
    mtWorkloads.length > 0
      ? planMt({
          workloads: mtWorkloads,
          refs,
          allocatorsGiven: options.allocators !== undefined && options.allocators.length > 0,
          lane,
          quick,
          ...(options.threads !== undefined ? { threads: options.threads } : {}),
          ...(options.params !== undefined ? { params: options.params } : {}),
          ...(options.threadsModes !== undefined ? { threadsModes: options.threadsModes } : {}),
        })
      : undefined;
  const iterationsFor = (id: string): number => {
    const ref = refs.find((r) => r.id === id)!;
    return ref.info.slow === true ? slowIterations : iterations;
  };
  const warmupFor = (iters: number): number => {
    if (options.warmupIterations !== undefined) return options.warmupIterations;
    return Math.min(iters, Math.max(50_000, Math.round(iters / 10)));
  };
  const startedAt = new Date();
  // The commit the bundles are built from: read now, before the build (the tree may change during a long run).
  const git = gitState(libraryRoot());
  const outDir = resolve(options.outDir ?? join(workDir(), timestamp(startedAt)));
  const buildDir = resolve(options.buildDir ?? defaultBuildDir());
  const progressOn = options.progress ?? process.stderr.isTTY === true;

  // 1. Build.
  const launches = new Map<string, Launch>();
  const statuses: AllocatorStatus[] = [];
  const notes: string[] = [];
  for (const ref of [...refs, ...(mtPlan?.extraRefs ?? [])]) {
    if (progressOn) process.stderr.write(`[bench] building ${ref.id}\n`);
    const b = options.builds?.[ref.id];
    const launch = await prepareLaunch(
      { root, buildDir: b?.buildDir ?? buildDir, laneFlags: b?.laneFlags ?? options.laneFlags, laneBase: b?.laneBase ?? options.laneBase },
      ref,
    );
    launches.set(ref.id, launch);
    const lanePart = launch.kind === 'node' && launch.lane !== undefined ? { lane: launch.lane } : {};
    if (launch.kind === 'skip') {
      statuses.push({ id: ref.id, description: ref.info.description, status: 'skipped', note: launch.note });
      notes.push(`${ref.id}: ${launch.note}`);
      if (progressOn) process.stderr.write(`[bench] ${ref.id} skipped: ${launch.note}\n`);
    } else {
      statuses.push({ id: ref.id, description: ref.info.description, status: 'ok', ...lanePart });
    }
  }
  if (!refs.some((r) => r.id === 'noop')) notes.push('noop is not in the run: no floor, so no ns/op above the floor and no x-noop ratios.');

  // 2. Run, interleaved by repetition.
  const plan: { workload: string; ref: AllocatorRef; rep: number }[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    for (const w of singleWorkloads) for (const ref of refs) if (launches.get(ref.id)!.kind !== 'skip') plan.push({ workload: w, ref, rep });
  }
  const items: ProgressItem[] = plan.map((p) => ({ key: `${p.workload}/${p.ref.id}`, group: p.ref.id, label: '' }));
  const progress = new Progress(items, progressOn);
  const wWidth = Math.max(0, ...singleWorkloads.map((w) => w.length));
  const aWidth = Math.max(...refs.map((r) => r.id.length));
  const runs: RunRecord[] = [];
  for (let i = 0; i < plan.length; i++) {
    const { workload, ref, rep } = plan[i]!;
    const launch = launches.get(ref.id)! as Exclude<Launch, { kind: 'skip' }>;
    const iters = iterationsFor(ref.id);
    const warm = warmupFor(iters);
    const cfg: ChildConfig = {
      workload,
      allocator: ref.id,
      iterations: iters,
      warmupIterations: warm,
      sampleIntervalMs,
      maxBytes,
      files: launch.kind === 'node' ? launch.files : {},
    };
    const outcome = await runChildProcess(launch, cfg, { timeoutMs, ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}) });
    const base = { workload, allocator: ref.id, rep, iterations: iters, warmupIterations: warm, wallMs: outcome.wallMs };
    let line: string;
    if (outcome.ok && outcome.result !== undefined) {
      runs.push(recordFromResult(base, outcome.result, outcome));
      line = `${fmtMops(outcome.result.opsPerSec).padStart(7)} M ops/s`;
    } else {
      runs.push({ ...base, ok: false, error: outcome.error ?? 'failed', stdout: outcome.stdout, stderr: outcome.stderr });
      line = `FAILED: ${outcome.error}`;
      notes.push(`${workload} x ${ref.id} rep ${rep + 1}: ${outcome.error}`);
    }
    progress.finished(
      { ...items[i]!, label: `${workload.padEnd(wWidth)}  ${ref.id.padEnd(aWidth)}  rep ${rep + 1}/${repetitions}` },
      outcome.wallMs,
      line,
    );
  }

  // 2b. The multi-worker workloads.
  const mt: MtSuiteOutcome | undefined =
    mtPlan !== undefined
      ? await runMtSuite(mtPlan, {
          launches,
          statuses,
          repetitions,
          sampleIntervalMs,
          maxBytes,
          ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.nodeArgs !== undefined ? { nodeArgs: options.nodeArgs } : {}),
          progress: progressOn,
        })
      : undefined;

  // 3. Summarise, write, print.
  const baseStatuses = statuses.filter((st) => refs.some((r) => r.id === st.id));
  const summary = [...summarizeRuns(runs, singleWorkloads, baseStatuses, iterationsFor), ...(mt?.summary ?? [])];
  const hz = (id: string): boolean => ALLOCATORS[id.split('@')[0]!]?.kind === 'hakozuna';
  const ratios = [...computeRatios(summary.filter((r) => !isMtRunName(r.workload)), hz), ...(mt?.ratios ?? [])];
  const cpuList = cpus();
  // mtTargets: the multi-worker targets and their thresholds (packages/lab/src/mt-bench.ts), beside the schema's fields.
  const results: BenchResults & { readonly mtTargets?: readonly MtTarget[] } = {
    schema: RESULTS_SCHEMA,
    meta: {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: options.command ?? 'runBench()',
      ...(git !== undefined ? { git } : {}),
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? 'unknown',
      totalMemBytes: totalmem(),
      options: {
        workloads,
        allocators: refs.map((r) => r.id),
        iterations,
        slowIterations,
        slowAllocators: refs.filter((r) => r.info.slow === true).map((r) => r.id),
        warmupIterations: warmupFor(iterations),
        slowWarmupIterations: warmupFor(slowIterations),
        repetitions,
        lane,
        ...(options.laneBase !== undefined ? { laneBase: options.laneBase } : {}),
        ...(options.laneFlags !== undefined ? { laneFlags: options.laneFlags } : {}),
        quick,
        sampleIntervalMs,
        maxBytes,
        ...(options.nodeArgs !== undefined ? { nodeArgs: options.nodeArgs } : {}),
        ...(mtPlan !== undefined
          ? {
              multiWorker: {
                workloads: mtWorkloads,
                runs: mtPlan.instances.map((i) => i.name),
                allocators: [...new Set(mtPlan.instances.flatMap((i) => i.runs.map((r) => r.ref.id)))],
                ...(options.threads !== undefined ? { threads: options.threads } : {}),
                ...(options.params !== undefined ? { params: options.params } : {}),
                threadsModes: options.threadsModes ?? ['pooled'],
              },
            }
          : {}),
      },
    },
    workloads: [
      ...singleWorkloads.map((w) => ({ name: w, description: WORKLOADS[w]!.description, params: { ...WORKLOADS[w]!.params } })),
      ...(mt?.workloads ?? []),
    ],
    allocators: statuses,
    runs: [...runs, ...(mt?.runs ?? [])],
    summary,
    ratios,
    notes: [...notes, ...(mt?.notes ?? [])],
    ...(mt !== undefined ? { mtTargets: mt.targets } : {}),
  };
  mkdirSync(outDir, { recursive: true });
  const outFile = join(outDir, 'results.json');
  writeFileSync(outFile, JSON.stringify(results, null, 1) + '\n');
  const header = paramsLine(results);
  const report = header + '\n\n' + fullReport(results, hz, renderText);
  writeFileSync(join(outDir, 'report.txt'), report);
  writeFileSync(join(outDir, 'report.md'), header + '\n\n' + fullReport(results, hz, renderMarkdown));
  let htmlFile: string | undefined;
  if (options.html !== false) {
    try {
      htmlFile = writeHtmlReport(results, join(outDir, 'report.html'), { source: outFile });
    } catch (e) {
      process.stderr.write(`[bench] report.html not written: ${(e as Error)?.stack ?? String(e)}\n`);
    }
  }
  const print = options.print ?? true;
  if (print !== false) {
    const stream = print === true ? process.stdout : print;
    stream.write(report + `\nresults: ${outFile}\n` + (htmlFile !== undefined ? `report: ${htmlFile}\n` : ''));
  }
  return { results, outFile, report };
}

/** The single-threaded tables (benchReport), then the multi-worker ones (mtReport), then the notes. */
export function fullReport(results: BenchResults, hz: (id: string) => boolean, render: (t: Table) => string): string {
  const single = {
    ...results,
    summary: results.summary.filter((r) => !isMtRunName(r.workload)),
    ratios: results.ratios.filter((r) => !isMtRunName(r.workload)),
    notes: [],
  };
  const parts: string[] = [];
  if (single.summary.length > 0) parts.push(benchReport(single, hz, render).trimEnd());
  const m = mtReport(results, render);
  if (m !== '') parts.push(m.trimEnd());
  if (results.notes.length > 0) parts.push(['Notes:', ...results.notes.map((n) => `- ${n}`)].join('\n'));
  return parts.join('\n\n') + '\n';
}

/** A hakozuna ref with its lane taken from `build.lane` when given. */
function withBuild(ref: AllocatorRef, build: AllocatorBuild | undefined): AllocatorRef {
  return build?.lane !== undefined && ref.info.kind === 'hakozuna' ? { ...ref, lane: build.lane } : ref;
}

/** The commit the run measured, and whether src/ or bench/ had uncommitted changes (read-only git calls). */
function gitState(root: string): { commit: string; dirty: boolean } | undefined {
  // An installed library is not a checkout: a git call there would read the project's repository.
  if (insideNodeModules(root)) return undefined;
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return undefined;
  const st = spawnSync('git', ['status', '--porcelain', '--', 'src', 'scripts', 'packages/lab/src', 'packages/lab/bench', 'packages/lab/scripts'], { cwd: root, encoding: 'utf8' });
  return { commit: head.stdout.trim(), dirty: st.status === 0 && st.stdout.trim() !== '' };
}

/** The parameters of the run, printed above the tables (BENCHMARKS.md: print the parameters used). */
export function paramsLine(r: BenchResults): string {
  const o = r.meta.options as Record<string, unknown>;
  const lines = [
    `hakozuna bench: node ${r.meta.node}, ${r.meta.cpus} cpus (${r.meta.cpuModel}), ${r.meta.platform}/${r.meta.arch}` +
      (r.meta.git ? `, commit ${r.meta.git.commit.slice(0, 12)}${r.meta.git.dirty ? ' + uncommitted changes' : ''}` : ''),
    `iterations ${o.iterations} (slow peers ${(o.slowAllocators as string[]).join(', ') || '-'}: ${o.slowIterations}), ` +
      `warm-up ${o.warmupIterations} (slow peers ${o.slowWarmupIterations}), repetitions ${o.repetitions} (a fresh process each), ` +
      `lane ${o.lane}, RSS every ${o.sampleIntervalMs} ms`,
  ];
  for (const w of r.workloads) lines.push(`  ${w.name}: ${Object.entries(w.params).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return lines.join('\n');
}
