/**
 * `hakozuna observe medium-waste`: the S56 step of the seed, as a command.
 * Builds the research lane (S56 medium waste and S49 pack observers on), runs
 * the named workloads, or the user's own script, with it, collects the one-shot
 * lines and prints the verdict:
 *
 *   waste_pct > 10%  -> medium class granularity is the main RSS suspect (next: finer medium classes, S57)
 *   waste_pct < 3%   -> segment opening is the suspect (next: read the S49 pack counters)
 *   otherwise        -> inconclusive
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { runBench } from './bench.ts';
import { defaultLanesDir, labRoot, laneBuild } from './root.ts';
import * as esbuild from 'esbuild';

export const WASTE_HIGH_PCT = 10;
export const WASTE_LOW_PCT = 3;

export interface WasteVerdict {
  /** Summed over the inputs: requested and allocated bytes of medium requests. */
  req: number;
  alloc: number;
  wastePct: number;
  /** Live medium rounding waste as a share of heap resident bytes (from the RSS breakdown lines), percent. */
  shareOfResident?: number;
  kind: 'granularity' | 'segment-opening' | 'inconclusive' | 'no-medium-requests';
  /** The S49 line summed over the inputs, when present. */
  pack?: { hit: number; miss: number; new_segment: number };
  /** `[HZ3_S56_VERDICT] waste_pct=... -> ...` */
  line: string;
}

/** Parse `[TAG] k=v k=v` lines into { tag, values }. */
export function parseStatLine(line: string): { tag: string; values: Record<string, number> } | undefined {
  const m = /^\[(HZ3_[A-Z0-9_]+)\]\s*(.*)$/.exec(line.trim());
  if (!m) return undefined;
  const values: Record<string, number> = {};
  for (const kv of m[2].split(/\s+/)) {
    const eq = kv.indexOf('=');
    if (eq > 0) values[kv.slice(0, eq)] = Number(kv.slice(eq + 1));
  }
  return { tag: m[1], values };
}

/** The share a heap RSS gate asks of one cause before a lever on it alone can pass (the seed's -10%). */
export const GATE_SHARE_PCT = 10;

/** The seed's verdict from one or more runs' one-shot lines. */
export function mediumWasteVerdict(lines: readonly string[]): WasteVerdict {
  let req = 0;
  let alloc = 0;
  let pack: WasteVerdict['pack'];
  const breakdown = breakdownOf(lines);
  for (const line of lines) {
    const s = parseStatLine(line);
    if (!s) continue;
    if (s.tag === 'HZ3_MEDIUM_WASTE_OBS') {
      req += s.values.req ?? 0;
      alloc += s.values.alloc ?? 0;
    } else if (s.tag === 'HZ3_S49_PACK') {
      pack ??= { hit: 0, miss: 0, new_segment: 0 };
      pack.hit += s.values.hit ?? 0;
      pack.miss += s.values.miss ?? 0;
      pack.new_segment += s.values.new_segment ?? 0;
    }
  }
  const wastePct = alloc > 0 ? (100 * (alloc - req)) / alloc : 0;
  const pct = wastePct.toFixed(2);
  const packText = pack ? ` (S49 pack: hit=${pack.hit} miss=${pack.miss} new_segment=${pack.new_segment})` : '';
  let kind: WasteVerdict['kind'];
  let tail: string;
  if (alloc === 0) {
    kind = 'no-medium-requests';
    tail = 'no medium (2049..32768 B) requests were observed: nothing to judge';
  } else if (wastePct > WASTE_HIGH_PCT) {
    kind = 'granularity';
    tail = `medium class granularity is the main RSS suspect (waste > ${WASTE_HIGH_PCT}%): next, finer medium classes (S57)`;
    if (breakdown && breakdown.share < GATE_SHARE_PCT) {
      tail = `medium requests waste > ${WASTE_HIGH_PCT}% of their bytes, but live medium waste is only ${breakdown.share.toFixed(2)}% of heap resident bytes: S57 alone cannot move a -${GATE_SHARE_PCT}% heap RSS gate`;
    } else if (breakdown) tail += ` (live medium waste is ${breakdown.share.toFixed(2)}% of heap resident bytes: enough to move a -${GATE_SHARE_PCT}% gate)`;
  } else if (wastePct < WASTE_LOW_PCT) {
    kind = 'segment-opening';
    tail = `rounding waste is small (< ${WASTE_LOW_PCT}%): suspect segment opening; next, read the S49 pack counters${packText}`;
  } else {
    kind = 'inconclusive';
    tail = `inconclusive (${WASTE_LOW_PCT}% <= waste <= ${WASTE_HIGH_PCT}%): neither rounding nor segment opening stands out${packText}`;
  }
  const share = breakdown ? ` share_of_resident=${breakdown.share.toFixed(2)}` : '';
  return {
    req, alloc, wastePct, kind, pack,
    ...(breakdown ? { shareOfResident: breakdown.share } : {}),
    line: `[HZ3_S56_VERDICT] waste_pct=${pct}${share} -> ${tail}`,
  };
}

/** Live medium waste against resident bytes, from the breakdown lines (the mean over the run where there is one), summed over inputs. */
function breakdownOf(lines: readonly string[]): { share: number } | undefined {
  const parts = sumBreakdowns(lines);
  return parts && parts.resident > 0 ? { share: (100 * parts.waste_medium) / parts.resident } : undefined;
}

/**
 * The RSS breakdown parts of one or more runs' lines, summed: each run counts
 * its [HZ3_RSS_BREAKDOWN_MEAN] line (the mean of its epoch samples) where it
 * has one, else its [HZ3_RSS_BREAKDOWN] line (at exit).
 */
export function sumBreakdowns(lines: readonly string[]): Record<string, number> | undefined {
  let out: Record<string, number> | undefined;
  let pendingExit: Record<string, number> | undefined;
  const add = (v: Record<string, number>): void => {
    out ??= {};
    for (const [k, x] of Object.entries(v)) if (k !== 'samples') out[k] = (out[k] ?? 0) + x;
  };
  for (const line of lines) {
    const s = parseStatLine(line);
    if (s?.tag === 'HZ3_RSS_BREAKDOWN') {
      if (pendingExit) add(pendingExit); // a run without a mean line
      pendingExit = s.values;
    } else if (s?.tag === 'HZ3_RSS_BREAKDOWN_MEAN') {
      add(s.values); // the mean line follows its run's exit line and stands for it
      pendingExit = undefined;
    }
  }
  if (pendingExit) add(pendingExit);
  return out;
}

export interface ObserveOptions {
  /** Workloads of the bench to run (names or aliases). */
  bench?: readonly string[];
  /** A user script (and its arguments) that imports 'hakozuna'; run with the research lane. */
  script?: readonly string[];
  /** Lane to observe with (default research); flag overrides on top. */
  lane?: string;
  flags?: Record<string, number>;
  quick?: boolean;
  iterations?: number;
  threads?: readonly number[];
  outDir?: string;
  /** Where the --script lane bundle goes (default ./bench/out/lanes). */
  buildDir?: string;
  log?: (line: string) => void;
}

export interface ObserveResult {
  /** Per input (workload or script): its one-shot lines and verdict. */
  inputs: { name: string; lines: string[]; verdict: WasteVerdict }[];
  /** Over every input. */
  verdict: WasteVerdict;
}

/** Run a user's script with `import 'hakozuna'` resolved to the lane bundle; returns its stderr lines. */
export async function runScriptWithLane(argv: readonly string[], laneBundle: string, log: (l: string) => void): Promise<string[]> {
  const hook = join(labRoot(), 'bin', 'lane-hook.mjs');
  const child = spawn(process.execPath, ['--import', hook, ...argv], {
    env: { ...process.env, HAKOZUNA_LANE_BUNDLE: laneBundle, HAKOZUNA_STATS: '1' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const lines = err.split('\n');
  for (const l of lines) if (l.trim() !== '' && !l.startsWith('[HZ3_')) log(l);
  if (code !== 0) throw new Error(`${argv.join(' ')} exited with code ${code}`);
  return lines.filter((l) => l.startsWith('[HZ3_'));
}

/** Run the workloads and the script of `opts` in the observed lane; each input's one-shot lines. */
export async function observeInputs(opts: ObserveOptions, what: string): Promise<{ name: string; lines: string[] }[]> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const lane = opts.lane ?? 'research';
  const inputs: { name: string; lines: string[] }[] = [];
  if (opts.script && opts.script.length > 0) {
    const { buildLane } = await laneBuild();
    const { entry } = await buildLane(lane, opts.flags ?? {}, 'research', { outRoot: opts.buildDir !== undefined ? join(opts.buildDir, 'lanes') : defaultLanesDir(), esbuild });
    inputs.push({ name: opts.script.join(' '), lines: await runScriptWithLane(opts.script, entry, log) });
  }
  if (opts.bench && opts.bench.length > 0) {
    const outcome = await runBench({
      workloads: opts.bench,
      allocators: [`hakozuna@${lane}`],
      repetitions: 1,
      laneBase: 'research',
      ...(opts.quick !== undefined ? { quick: opts.quick } : {}),
      ...(opts.iterations !== undefined ? { iterations: opts.iterations } : {}),
      ...(opts.flags !== undefined ? { laneFlags: opts.flags } : {}),
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
      ...(opts.outDir !== undefined ? { outDir: opts.outDir } : {}),
      print: false,
    });
    for (const run of outcome.results.runs) inputs.push({ name: run.workload, lines: [...(run.oneShot ?? [])] });
  }
  if (inputs.length === 0) throw new Error(`observe ${what}: name workloads with --bench, or a script with --script`);
  return inputs;
}

/**
 * Run an observation's inputs and judge them: per input its lines (those `show`
 * keeps) and its verdict, then, with several inputs, the verdict over all.
 */
export async function observeAndJudge<V extends { line: string }>(
  opts: ObserveOptions,
  what: string,
  judge: (lines: readonly string[]) => V,
  show: (line: string) => boolean = () => true,
): Promise<{ inputs: { name: string; lines: string[]; verdict: V }[]; verdict: V }> {
  const log = opts.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const inputs = (await observeInputs(opts, what)).map((i) => ({ ...i, verdict: judge(i.lines) }));
  for (const input of inputs) {
    log(`# ${input.name}`);
    for (const l of input.lines) if (show(l)) log(l);
    log(input.verdict.line);
  }
  const verdict = judge(inputs.flatMap((i) => i.lines));
  if (inputs.length > 1) {
    log('# all inputs');
    log(verdict.line);
  }
  return { inputs, verdict };
}

export const observeMediumWaste = (opts: ObserveOptions): Promise<ObserveResult> => observeAndJudge(opts, 'medium-waste', mediumWasteVerdict);
