/**
 * `runAb(options)`: an A/B of two hakozuna lanes (or a lane and a peer) on the
 * bench workloads, with the seed's GO / NO-GO gate.
 *
 * The runs are those of `runBench` with the two sides as its only allocators and
 * `pairs` repetitions: for each pair, for each workload, A then B, each run a fresh
 * child process with the same parameters (A B A B ...). Run i of A and run i of B
 * form pair i. Then per pair the B/A ratios of speed and of mean RSS, their
 * medians and the verdict (packages/lab/src/verdict.ts), written into results.json as its
 * `ab` section, printed, and drawn in report.html.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ALLOCATORS } from './allocators.ts';
import { abPairsTable, abSectionFrom, abVerdictTable } from './ab-model.ts';
import type { AbSection, AbSide } from './ab-section.ts';
import { resolveWorkloads, runBench, type AllocatorBuild, type BenchOptions } from './bench.ts';
import { writeHtmlReport } from './report-html.ts';
import type { BenchResults } from './results.ts';
import { defaultBuildDir, workDir } from './root.ts';
import { renderMarkdown, renderText } from './table.ts';
import type { AbCriteria } from './verdict.ts';
import { resolveLane } from 'hakozuna/src/config/flags.ts';

/** The runBench options `ab` passes through unchanged (their meaning is documented on BenchOptions). */
type PassedThrough =
  | 'quick' | 'iterations' | 'slowIterations' | 'warmupIterations' | 'maxBytes' | 'sampleIntervalMs' | 'outDir'
  | 'buildDir' | 'timeoutMs' | 'nodeArgs' | 'progress' | 'print' | 'command' | 'threadsModes';

export interface AbOptions extends Pick<BenchOptions, PassedThrough> {
  /** Side A (the baseline): a lane name (`scale`, `mem`, a custom name), `hakozuna@LANE`, or a peer id (`tlsf`, `glibc`, ...). */
  readonly a: string;
  /** Side B (the candidate), the same forms. */
  readonly b: string;
  /** NAME=VALUE flag overrides for side A / side B (hakozuna sides only). */
  readonly flagsA?: Readonly<Record<string, number>>;
  readonly flagsB?: Readonly<Record<string, number>>;
  /** Preset a custom lane name of side A / B starts from (default scale). */
  readonly baseA?: string;
  readonly baseB?: string;
  /** Workload names (aliases small, medium, mixed, dist work). Required. */
  readonly workloads: readonly string[];
  /** Pairs (A run + B run) per workload. Default 5. */
  readonly pairs?: number;
  /** Gate thresholds; default mean RSS -10% or better and speed -2% or better. */
  readonly criteria?: Partial<AbCriteria>;
}

export interface AbOutcome {
  readonly results: BenchResults & { readonly ab: AbSection };
  readonly outFile: string;
  readonly htmlFile: string;
  /** The A/B tables as printed. */
  readonly report: string;
}

interface SidePlan {
  readonly side: AbSide;
  readonly build?: AllocatorBuild;
}

function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[:]/g, '-').replace(/\.\d+Z$/, 'Z');
}

/** Turn `--a` / `--b` and their flags into an allocator id and how to build it. */
export function planSide(
  which: 'a' | 'b',
  value: string,
  flags: Readonly<Record<string, number>> | undefined,
  base: string | undefined,
  buildDir: string,
): SidePlan {
  const v = value.trim();
  if (v === '') throw new Error(`--${which} is empty: give a lane (scale, fast, safe, mem, research, or a custom name) or an allocator id`);
  const at = v.indexOf('@');
  const baseName = at < 0 ? v : v.slice(0, at);
  const info = ALLOCATORS[baseName];
  const hasFlags = flags !== undefined && Object.keys(flags).length > 0;
  if (info !== undefined && info.kind !== 'hakozuna') {
    if (at >= 0) throw new Error(`--${which} ${v}: only hakozuna takes a lane (@lane)`);
    if (hasFlags || base !== undefined) throw new Error(`--${which} ${v}: flags and a base lane apply to hakozuna lanes only`);
    return { side: { id: v } };
  }
  const lane = info !== undefined ? (at < 0 ? 'scale' : v.slice(at + 1)) : v;
  if (at >= 0 && info === undefined) throw new Error(`--${which} ${v}: unknown allocator "${baseName}"; known: ${Object.keys(ALLOCATORS).join(', ')}`);
  try {
    resolveLane(lane, flags ?? {}, base); // the flag registry: lane name, flag names and ranges, before anything runs
  } catch (e) {
    throw new Error(`--${which} ${v}: ${(e as Error).message}`);
  }
  let id = `hakozuna@${lane}`;
  if (hasFlags) id += '+' + Object.entries(flags!).map(([k, x]) => `${k}=${x}`).join(',');
  return {
    side: { id, lane, ...(base !== undefined ? { base } : {}), ...(hasFlags ? { flags: { ...flags! } } : {}) },
    build: { lane, laneFlags: { ...(flags ?? {}) }, ...(base !== undefined ? { laneBase: base } : {}), buildDir: join(buildDir, `ab-${which}`) },
  };
}

export async function runAb(options: AbOptions): Promise<AbOutcome> {
  if (options.workloads.length === 0) throw new Error('ab needs at least one workload (--bench a,b)');
  const workloads = resolveWorkloads(options.workloads); // throws for an unknown name, listing the known ones
  const pairs = options.pairs ?? 5;
  if (!Number.isInteger(pairs) || pairs <= 0) throw new Error(`pairs must be a positive integer (got ${options.pairs})`);
  const buildDir = resolve(options.buildDir ?? defaultBuildDir());
  const outDir = resolve(options.outDir ?? join(workDir(), `ab-${timestamp()}`));
  const A = planSide('a', options.a, options.flagsA, options.baseA, buildDir);
  let B = planSide('b', options.b, options.flagsB, options.baseB, buildDir);
  if (B.side.id === A.side.id) {
    // An A/A run (a noise check): same variant on both sides, under two ids.
    if (B.build === undefined) throw new Error(`--a and --b are the same peer (${A.side.id}): an A/A run needs a hakozuna lane`);
    B = { side: { ...B.side, id: `${B.side.id}#B` }, build: B.build };
  }
  const builds: Record<string, AllocatorBuild> = {};
  if (A.build) builds[A.side.id] = A.build;
  if (B.build) builds[B.side.id] = B.build;

  const print = options.print ?? true;
  const benchOpts: BenchOptions = {
    workloads,
    allocators: [A.side.id, B.side.id],
    repetitions: pairs,
    builds,
    outDir,
    buildDir,
    html: false,
    print,
    command: options.command ?? 'runAb()',
    ...(options.quick === true ? { quick: true } : {}),
    ...(options.iterations !== undefined ? { iterations: options.iterations } : {}),
    ...(options.slowIterations !== undefined ? { slowIterations: options.slowIterations } : {}),
    ...(options.warmupIterations !== undefined ? { warmupIterations: options.warmupIterations } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.sampleIntervalMs !== undefined ? { sampleIntervalMs: options.sampleIntervalMs } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.nodeArgs !== undefined ? { nodeArgs: options.nodeArgs } : {}),
    ...(options.progress !== undefined ? { progress: options.progress } : {}),
    ...(options.threadsModes !== undefined ? { threadsModes: options.threadsModes } : {}),
  };
  const { results, outFile } = await runBench(benchOpts);
  // Workloads as the results name them (a multi-worker workload may run under names of its own, e.g. larson_t2).
  const section = abSectionFrom(results, A.side, B.side, { pairs, ...(options.criteria ? { criteria: options.criteria } : {}) });
  const skipped = results.allocators.filter((x) => x.status === 'skipped').map((x) => `${x.id} was not run: ${x.note ?? 'skipped'}`);
  const ab: AbSection = skipped.length > 0 ? { ...section, verdict: 'NO-GO', reasons: [...skipped, ...section.reasons] } : section;
  const full = { ...results, ab };
  writeFileSync(outFile, JSON.stringify(full, null, 1) + '\n');
  const text = renderText(abVerdictTable(ab)) + '\n\n' + renderText(abPairsTable(ab)) + '\n';
  const dir = dirname(outFile);
  appendFileSync(join(dir, 'report.txt'), '\n' + text);
  appendFileSync(join(dir, 'report.md'), '\n' + renderMarkdown(abVerdictTable(ab)) + '\n\n' + renderMarkdown(abPairsTable(ab)) + '\n');
  const htmlFile = writeHtmlReport(full, join(dir, 'report.html'), { source: outFile });
  if (print !== false) {
    const stream = print === true ? process.stdout : print;
    stream.write(`\n${text}\nA/B ${ab.verdict}: ${ab.reasons.join(' | ')}\nresults: ${outFile}\nreport: ${htmlFile}\n`);
  }
  return { results: full, outFile, htmlFile, report: text };
}
